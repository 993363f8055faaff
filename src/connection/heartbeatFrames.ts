import type { FrameHandler } from './frameHandler'
import type { PingLedger } from './pingLedger'
import type { ConnectionRuntime } from './runtime'

/**
 * The heartbeat's link of the inbound chain: a PONG answering the PING that is waiting is
 * measured (`pongReceived`); any other PONG is consumed and ignored (see {@link PingLedger}); a
 * server PING is answered in kind.
 */
export function createHeartbeatFrameHandler(rt: ConnectionRuntime, pings: PingLedger): FrameHandler {
  return (message, receivedAt, { dispatch, send }) => {
    if (message.type === 'PONG') {
      const ts = (message.data as { ts?: unknown } | undefined)?.ts
      if (typeof ts === 'number' && pings.answer(ts)) {
        dispatch(rt.actions.pongReceived({ sentAt: ts, receivedAt }))
      } else {
        rt.logger.debug(`rtk-realtime: ignored a PONG that does not answer the last PING (data.ts ${String(ts)})`)
      }
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
