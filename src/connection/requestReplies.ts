import type { FrameHandler } from './frameHandler'
import type { ConnectionRuntime } from './runtime'

/** The requests' link of the inbound chain: a frame whose `replyTo` is a pending request settles it. */
export function createRequestReplyHandler(rt: ConnectionRuntime): FrameHandler {
  const { actions } = rt
  return (message, _receivedAt, { dispatch, getState }) => {
    const requestId = message.replyTo
    if (requestId === undefined) return false
    const { requests } = rt.selectConnection(getState())
    if (!Object.hasOwn(requests, requestId)) return false
    if (message.type === 'NACK' || message.type === 'ERROR') {
      const reason = (message.data as { reason?: unknown } | undefined)?.reason
      dispatch(
        actions.requestFailed({
          requestId,
          error: {
            name: 'RequestRejectedError',
            code: 'REQUEST_REJECTED',
            message: `rtk-realtime: request "${requests[requestId]!.type}" (${requestId}) was rejected by the server: ${typeof reason === 'string' ? reason : 'no reason given'}`,
          },
        }),
      )
    } else {
      dispatch(actions.requestSucceeded({ requestId, reply: message }))
    }
    return true
  }
}
