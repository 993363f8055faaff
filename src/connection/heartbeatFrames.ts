import type { FrameHandler } from './frameHandler'
import type { ConnectionRuntime } from './runtime'

/** The heartbeat's link of the inbound chain: a PONG is measured, a server PING answered in kind. */
export function createHeartbeatFrameHandler(rt: ConnectionRuntime): FrameHandler {
  return (message, receivedAt, { dispatch, send }) => {
    if (message.type === 'PONG') {
      const ts = (message.data as { ts?: unknown } | undefined)?.ts
      dispatch(rt.actions.pongReceived({ sentAt: typeof ts === 'number' ? ts : receivedAt, receivedAt }))
      return true
    }
    if (message.type === 'PING') {
      // A server may check on us too: answer in kind, echoing its timestamp.
      const reply: Record<string, unknown> = { type: 'PONG', data: message.data ?? {} }
      if (message.id !== undefined) reply.replyTo = message.id
      send(rt.codec.encode(reply as { type: string }))
      return true
    }
    return false
  }
}
