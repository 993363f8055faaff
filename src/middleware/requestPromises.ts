import type { ConnectionActions } from '../connection/connectionSlice'
import type { Envelope } from '../protocol/envelope'
import type { RealtimeError } from '../world/serializeError'
import type { MiddlewareHandlerBuilder } from './middlewareHandler'

/**
 * Dispatching a request action returns a promise of its reply; the promise lives here, never in
 * an action or in state, and settles when the request saga reports success or failure.
 */
export const buildRequestPromises = (actions: ConnectionActions): MiddlewareHandlerBuilder => () => {
  const pending = new Map<string, { resolve(reply: Envelope): void; reject(error: RealtimeError): void }>()
  return {
    types: [actions.requestStarted.type, actions.requestSucceeded.type, actions.requestFailed.type],
    intercept(action) {
      // The package's own requests (SYNC) are awaited by its sagas: a promise nobody holds would only reject unhandled.
      if (!actions.requestStarted.match(action) || (action as { meta?: { realtimeInternal?: boolean } }).meta?.realtimeInternal) return undefined
      const { requestId } = action.payload
      return { result: new Promise<Envelope>((resolve, reject) => pending.set(requestId, { resolve, reject })), forward: true }
    },
    after(action) {
      if (actions.requestSucceeded.match(action)) pending.get(action.payload.requestId)?.resolve(action.payload.reply)
      else if (actions.requestFailed.match(action)) pending.get(action.payload.requestId)?.reject(action.payload.error)
      else return
      pending.delete(action.payload.requestId)
    },
  }
}
