import { put, select } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import type { ConnectionRuntime } from './runtime'

/**
 * Turns one inbound frame into actions: a rejection, a heartbeat answer, a request's reply, or
 * the routed message. Delegated to with `yield*` from the read loop, so the hot path pays for
 * no extra task per frame.
 */
export function* handleFrame(rt: ConnectionRuntime, frame: unknown, send: (text: string) => void): SagaIterator<void> {
  const { actions } = rt
  const receivedAt = rt.timers.now()
  const decoded = rt.codec.decode(frame)
  if (!decoded.ok) {
    yield put(actions.messageRejected({ code: decoded.code, reason: decoded.reason, at: receivedAt }))
    return
  }
  const message = decoded.message
  if (decoded.stripped && decoded.stripped.length > 0) {
    // The cleaned message is still delivered; the rejection records what was removed and why.
    yield put(
      actions.messageRejected({
        code: 'forbidden_key',
        reason: `rtk-realtime: removed forbidden keys from "${message.type}": ${decoded.stripped.join(', ')}`,
        type: message.type,
        stripped: decoded.stripped,
        at: receivedAt,
      }),
    )
  }
  switch (message.type) {
    case 'PONG': {
      const ts = (message.data as { ts?: unknown } | undefined)?.ts
      if (typeof ts === 'number') yield put(actions.pongReceived({ sentAt: ts, receivedAt }))
      else yield put(actions.pongReceived({ sentAt: receivedAt, receivedAt }))
      return
    }
    case 'PING': {
      // A server may check on us too: answer in kind, echoing its timestamp.
      const reply: Record<string, unknown> = { type: 'PONG', data: message.data ?? {} }
      if (message.id !== undefined) reply.replyTo = message.id
      send(rt.codec.encode(reply as { type: string }))
      return
    }
  }
  if (message.replyTo !== undefined) {
    const connection = rt.selectConnection(yield select())
    if (Object.hasOwn(connection.requests, message.replyTo)) {
      const requestId = message.replyTo
      if (message.type === 'NACK' || message.type === 'ERROR') {
        const data = (message.data ?? {}) as { reason?: unknown }
        const reason = typeof data.reason === 'string' ? data.reason : 'no reason given'
        yield put(
          actions.requestFailed({
            requestId,
            error: {
              name: 'RequestRejectedError',
              code: 'REQUEST_REJECTED',
              message: `rtk-realtime: request "${connection.requests[requestId]!.type}" (${requestId}) was rejected by the server: ${reason}`,
            },
          }),
        )
      } else {
        yield put(actions.requestSucceeded({ requestId, reply: message }))
      }
      return
    }
  }
  const routed = rt.route(message, receivedAt)
  if ('rejection' in routed) yield put(actions.messageRejected(routed.rejection))
  else yield put(routed.action)
}
