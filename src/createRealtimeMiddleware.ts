import type { Middleware, UnknownAction } from '@reduxjs/toolkit'
import createSagaMiddleware, { type Saga } from 'redux-saga'
import type { Envelope } from './protocol/envelope'
import type { ConnectionActions, RequestStartedPayload } from './connection/connectionSlice'
import type { RealtimeError } from './world/serializeError'
import type { Logger } from './world/logger'

/** The action `realtime.request()` makes; dispatching it returns a promise of the reply. */
export interface RequestAction {
  type: string
  payload: RequestStartedPayload
  meta: { realtimeRequest: true }
}

/**
 * What the realtime middleware adds to `dispatch`: dispatching a request action returns a
 * promise that resolves with the reply envelope, or rejects with a plain {@link RealtimeError}.
 */
export interface RealtimeDispatchExtension {
  (action: RequestAction): Promise<Envelope>
}

interface MiddlewareOptions {
  reducerPath: string
  actions: ConnectionActions
  rootSaga: Saga<[]>
  runSaga: boolean
  logger: Logger
}

/**
 * One middleware that hosts the package's effects for the store it is added to: it runs the
 * root saga (on its own saga middleware, so each store gets its own socket) and settles the
 * promises of requests. Promises live here, never in actions or state.
 */
export function createRealtimeMiddleware({ reducerPath, actions, rootSaga, runSaga, logger }: MiddlewareOptions) {
  const middleware: Middleware<RealtimeDispatchExtension> = (api) => {
    if (!(api.getState() as Record<string, unknown> | undefined)?.[reducerPath]) {
      throw new Error(
        `rtk-realtime: realtime.middleware was added but the realtime reducer is not mounted at state.${reducerPath}; ` +
          'add [realtime.reducerPath]: realtime.reducer to configureStore({ reducer })',
      )
    }
    const sagaMiddleware = runSaga
      ? createSagaMiddleware({
          onError: (error, { sagaStack }) => logger.error(`rtk-realtime: the realtime saga crashed: ${error.message}`, sagaStack),
        })
      : null
    const withSaga = sagaMiddleware?.(api)
    const pending = new Map<string, { resolve(reply: Envelope): void; reject(error: RealtimeError): void }>()

    // Start on the first action or right after the store is built, whichever comes first:
    // dispatching while the store is being constructed is not allowed.
    let started = !sagaMiddleware
    const start = () => {
      if (started) return
      started = true
      sagaMiddleware!.run(rootSaga)
    }
    if (!started) queueMicrotask(start)

    return (next) => {
      const inner = withSaga ? withSaga(next) : next
      return (action) => {
        if (!started) start()
        const a = action as UnknownAction
        if (actions.requestStarted.match(a)) {
          const { requestId } = a.payload
          const promise = new Promise<Envelope>((resolve, reject) => pending.set(requestId, { resolve, reject }))
          inner(action)
          return promise
        }
        const result = inner(action)
        if (actions.requestSucceeded.match(a)) {
          pending.get(a.payload.requestId)?.resolve(a.payload.reply)
          pending.delete(a.payload.requestId)
        } else if (actions.requestFailed.match(a)) {
          pending.get(a.payload.requestId)?.reject(a.payload.error)
          pending.delete(a.payload.requestId)
        }
        return result
      }
    }
  }
  return middleware
}
