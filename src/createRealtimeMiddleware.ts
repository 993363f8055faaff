import type { Middleware, MiddlewareAPI, UnknownAction } from '@reduxjs/toolkit'
import type { Saga, Task } from 'redux-saga'
import { createSagaMiddleware } from './world/createSagaMiddleware'
import type { Envelope } from './protocol/envelope'
import type { RequestStartedPayload } from './connection/connectionSlice'
import type { StoreAccess } from './connection/frameHandler'
import type { MiddlewareHandler, MiddlewareHandlerBuilder } from './middleware/middlewareHandler'
import type { Logger } from './world/logger'
import type { OutboxEffects } from './outbox/outboxEffects'
import { disposedError, isRequestAction } from './lifecycle/dispose'

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
  /** The concerns the middleware hosts, one handler each. */
  handlers: readonly MiddlewareHandlerBuilder[]
  rootSaga: Saga<[StoreAccess]>
  runSaga: boolean
  logger: Logger
  /** The persisted outbox's effects (listener middleware), when `storage` is given, and the namespace opened on start. */
  outbox?: { build: () => OutboxEffects; namespace: string }
  /** `dispose()`: its type, and what goes into state before the effects stop. */
  dispose: { type: string; before: (api: MiddlewareAPI) => void }
}

/**
 * One middleware that hosts the package's effects for the store it is added to: it runs the root
 * saga (on its own saga middleware, so each store gets its own socket) and a list of handlers, one
 * concern each (request promises, the mutation guard, conflict and message listeners). Promises
 * and listeners live in the handlers, never in actions or state.
 */
export function createRealtimeMiddleware({ reducerPath, handlers: builders, rootSaga, runSaga, logger, outbox, dispose }: MiddlewareOptions) {
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
    // The outbox's listener effects sit next to the reducers: they see each action's state change
    // alone, before the saga reacts to it with actions of its own.
    const effects = outbox?.build()
    const withEffects = effects?.middleware(api)

    const handlers = builders.map((build) => build())
    const byType = new Map<string, MiddlewareHandler[]>()
    for (const handler of handlers) for (const type of handler.types) byType.set(type, [...(byType.get(type) ?? []), handler])
    const watchers = handlers.filter((handler) => handler.wantsEvery)
    const watching = () => watchers.some((handler) => handler.wantsEvery!())
    // While a handler watches every action: per action type, the handlers to run, built once.
    const withWatchers = new Map<string, MiddlewareHandler[]>()
    const activeFor = (type: string): MiddlewareHandler[] | undefined => {
      const own = byType.get(type)
      if (watchers.length === 0 || !watching()) return own
      if (!own) return watchers
      let merged = withWatchers.get(type)
      if (!merged) withWatchers.set(type, (merged = [...new Set([...own, ...watchers])]))
      return merged
    }

    // Start on the first action or right after the store is built, whichever comes first:
    // dispatching while the store is being constructed is not allowed.
    let started = !sagaMiddleware && !effects
    let task: Task | undefined
    const start = () => {
      if (started) return
      started = true
      if (effects) effects.start(api, outbox!.namespace)
      task = sagaMiddleware?.run(rootSaga, { dispatch: (action: UnknownAction) => api.dispatch(action), getState: api.getState })
    }
    if (!started) queueMicrotask(start)
    // Disposed: the saga (socket, heartbeat, sync and delivery timers, environment listeners) is
    // cancelled and the outbox effects stop listening; nothing starts again for this store.
    let disposed = false
    const disposeNow = () => {
      if (disposed) return
      if (started) dispose.before(api)
      disposed = started = true
      task?.cancel()
      effects?.stop()
    }

    return (next) => {
      const nearReducers = withEffects ? withEffects(next) : next
      const inner = withSaga ? withSaga(nearReducers) : nearReducers
      return (action) => {
        const a = action as UnknownAction
        if (a.type === dispose.type) {
          disposeNow()
          return inner(action)
        }
        // Nobody would ever answer it: reject at once rather than leave the caller waiting.
        if (disposed && isRequestAction(a)) return Promise.reject(disposedError())
        if (!started) start()
        // Every inbound frame passes here: the actions the handlers act on are few, so all others
        // take one Map lookup and go straight on.
        const active = activeFor(a.type)
        if (!active) return inner(action)
        let result: unknown
        let intercepted = false
        for (const handler of active) {
          const interception = handler.intercept?.(a, api)
          if (!interception) continue
          if (!interception.forward) return interception.result
          result = interception.result
          intercepted = true
        }
        const stateBefore = api.getState()
        const forwarded = inner(action)
        for (const handler of active) handler.after?.(a, api, stateBefore)
        return intercepted ? result : forwarded
      }
    }
  }
  return middleware
}
