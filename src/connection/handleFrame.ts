import type { UnknownAction } from '@reduxjs/toolkit'
import type { ConnectionRuntime } from './runtime'
import type { RunState } from '../optimistic/opsRuntime'

/** How the read loop reaches the store: the store's own functions, or a collector for `put`. */
export interface StoreAccess {
  dispatch(action: UnknownAction): unknown
  getState(): unknown
}

/**
 * Turns one inbound frame into actions: a rejection, a heartbeat answer, a request's reply, an
 * entity update for the batcher, or the routed message. A plain function, not a generator: it
 * runs once per frame, and a saga effect per frame would cost more than the rest together.
 */
export function handleFrame(rt: ConnectionRuntime, frame: unknown, send: (text: string) => void, run: RunState, store: StoreAccess): void {
  const { actions } = rt
  const put = (action: UnknownAction) => store.dispatch(action)
  const receivedAt = rt.timers.now()
  const decoded = rt.codec.decode(frame)
  if (!decoded.ok) {
    put(actions.messageRejected({ code: decoded.code, reason: decoded.reason, at: receivedAt }))
    return
  }
  const message = decoded.message
  if (decoded.stripped && decoded.stripped.length > 0) {
    // The cleaned message is still delivered; the rejection records what was removed and why.
    put(
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
      if (typeof ts === 'number') put(actions.pongReceived({ sentAt: ts, receivedAt }))
      else put(actions.pongReceived({ sentAt: receivedAt, receivedAt }))
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
  const ops = rt.ops
  if (ops) {
    // Entity updates skip `put`: the batcher coalesces them and one action carries the batch.
    const parse = ops.parsers.get(message.type)
    if (parse) {
      const update = parse(message)
      if (typeof update === 'string') {
        put(actions.messageRejected({ code: 'validation_failed', reason: `rtk-realtime: "${message.type}" update rejected: ${update}`, type: message.type, at: receivedAt }))
      } else {
        // A broadcast of our op's effect settles it; its index entry is no longer needed.
        if (update.opId !== undefined) run.opIndex.delete(update.opId)
        run.addUpdate(update)
      }
      return
    }
    const ref = message.replyTo !== undefined && (message.type === 'ACK' || message.type === 'NACK') ? run.opIndex.get(message.replyTo) : undefined
    if (ref) {
      const data = (message.data ?? {}) as { version?: unknown; value?: unknown; reason?: unknown; retryable?: unknown }
      if (message.type === 'ACK') {
        run.opIndex.delete(ref.opId)
        const hasValue = Object.hasOwn(data, 'value')
        const version = typeof data.version === 'number' ? data.version : undefined
        put(ops.actions.opAcked({ ...ref, ...(version === undefined ? {} : { version }), ...(hasValue ? { value: data.value } : {}), hasValue, at: receivedAt }))
      } else {
        run.opIndex.delete(ref.opId) // a resend registers it again
        const reason = typeof data.reason === 'string' ? data.reason : 'no reason given'
        put(ops.actions.opNacked({ ...ref, reason, retryable: data.retryable === true, at: receivedAt }))
      }
      return
    }
  }
  if (message.replyTo !== undefined) {
    const connection = rt.selectConnection(store.getState())
    if (Object.hasOwn(connection.requests, message.replyTo)) {
      const requestId = message.replyTo
      if (message.type === 'NACK' || message.type === 'ERROR') {
        const data = (message.data ?? {}) as { reason?: unknown }
        const reason = typeof data.reason === 'string' ? data.reason : 'no reason given'
        put(
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
        put(actions.requestSucceeded({ requestId, reply: message }))
      }
      return
    }
  }
  const routed = rt.route(message, receivedAt)
  if ('rejection' in routed) put(actions.messageRejected(routed.rejection))
  else put(routed.action)
}
