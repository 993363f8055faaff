import type { Middleware, UnknownAction } from '@reduxjs/toolkit'
import type { Saga } from 'redux-saga'
import { createSagaMiddleware } from './world/createSagaMiddleware'
import type { Envelope } from './protocol/envelope'
import type { ConnectionActions, RequestStartedPayload } from './connection/connectionSlice'
import type { CompiledMutation } from './optimistic/defineMutations'
import type { MutationPayload, OptimisticActions } from './optimistic/optimisticActions'
import type { Conflict, OptimisticState } from './optimistic/types'
import { bucketValues } from './collections/buckets'
import { inboundEnvelope } from './connection/inboundEnvelope'
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
  optimisticActions: OptimisticActions
  mutationsByType: ReadonlyMap<string, CompiledMutation>
  maxPending: number
  onConflict: ((conflict: Conflict) => void) | undefined
  rootSaga: Saga<[{ dispatch(action: UnknownAction): unknown; getState(): unknown }]>
  runSaga: boolean
  logger: Logger
}

/** The per-store set of inbound message listeners, reached with a plain action the middleware answers. */
export interface MessageListenerRegistry {
  add(listener: (message: Envelope) => void): () => void
}

/**
 * One middleware that hosts the package's effects for the store it is added to: it runs the
 * root saga (on its own saga middleware, so each store gets its own socket), settles the
 * promises of requests, refuses mutations beyond MAX_PENDING, tells `onConflict` and the
 * `onMessage` listeners. Promises and listeners live here, never in actions or state.
 */
export function createRealtimeMiddleware(options: MiddlewareOptions) {
  const registryType = `${options.reducerPath}/connection/messageListenerRegistry`
  const { reducerPath, actions, optimisticActions, mutationsByType, maxPending, onConflict, rootSaga, runSaga, logger } = options
  const optimisticOf = (state: unknown) => (state as Record<string, { optimistic: OptimisticState }>)[reducerPath]!.optimistic
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
    // Inbound message listeners of this store (realtime.onMessage): functions stay here, never in actions.
    const messageListeners = new Set<(message: Envelope) => void>()
    const registry: MessageListenerRegistry = {
      add(listener) {
        messageListeners.add(listener)
        return () => void messageListeners.delete(listener)
      },
    }
    // Where each op lives, from its mutation action; bounded by rebuilding it from state.
    const locations = new Map<string, { collection: string; key: string }>()
    const pruneLocations = () => {
      const alive = new Set(
        bucketValues(optimisticOf(api.getState()).lanes)
          .flat()
          .map((op) => op.opId),
      )
      for (const opId of locations.keys()) if (!alive.has(opId)) locations.delete(opId)
    }

    // Start on the first action or right after the store is built, whichever comes first:
    // dispatching while the store is being constructed is not allowed.
    let started = !sagaMiddleware
    const start = () => {
      if (started) return
      started = true
      sagaMiddleware!.run(rootSaga, { dispatch: (action: UnknownAction) => api.dispatch(action), getState: api.getState })
    }
    if (!started) queueMicrotask(start)

    // A throwing onConflict is the user's bug; it must not break the dispatch that found the conflict.
    const notifyConflicts = (before: readonly Conflict[], after: readonly Conflict[]) => {
      if (before === after) return
      const fresh = after.filter((conflict) => !before.includes(conflict))
      for (const conflict of fresh) {
        try {
          onConflict!(conflict)
        } catch (error) {
          logger.error(`rtk-realtime: onConflict threw: ${(error as Error)?.message ?? String(error)}`)
        }
      }
    }

    const notifyMessage = (action: UnknownAction) => {
      const message = inboundEnvelope(action, reducerPath)
      if (!message) return
      for (const listener of [...messageListeners]) {
        try {
          listener(message)
        } catch (error) {
          logger.error(`rtk-realtime: an onMessage listener threw: ${(error as Error)?.message ?? String(error)}`)
        }
      }
    }
    const special = new Set<string>([
      registryType,
      actions.requestStarted.type,
      actions.requestSucceeded.type,
      actions.requestFailed.type,
      optimisticActions.confirm.type,
      optimisticActions.rollback.type,
      optimisticActions.entitiesUpdated.type, // conflicts come from updates
      optimisticActions.opAcked.type, // and from a late ACK's value
      ...mutationsByType.keys(),
    ])

    return (next) => {
      const inner = withSaga ? withSaga(next) : next
      return (action) => {
        if (!started) start()
        const a = action as UnknownAction
        // Every inbound frame passes here: the actions this middleware acts on are few, so all
        // others take one Set lookup and go straight on.
        if (!special.has(a.type)) {
          const result = inner(action)
          if (messageListeners.size > 0) notifyMessage(a)
          return result
        }
        // Answered here and never forwarded: the reducers and DevTools do not see it.
        if (a.type === registryType) return registry
        if (actions.requestStarted.match(a)) {
          const { requestId } = a.payload
          const promise = new Promise<Envelope>((resolve, reject) => pending.set(requestId, { resolve, reject }))
          inner(action)
          return promise
        }
        const mutation = mutationsByType.get(a.type)
        if (mutation && optimisticOf(api.getState()).count >= maxPending) {
          // Refused before it becomes an op: nothing already pending is touched.
          const { args } = a.payload as MutationPayload
          return api.dispatch(
            optimisticActions.mutationRefused({
              mutation: mutation.name,
              args,
              error: {
                name: 'MaxPendingError',
                code: 'MAX_PENDING',
                message: `rtk-realtime: ${mutation.name} refused: ${maxPending} ops are already pending (config optimistic.MAX_PENDING = ${maxPending})`,
              },
            }),
          )
        }
        if (mutation) {
          const { opId, collection, key } = a.payload as MutationPayload
          locations.set(opId, { collection, key })
          if (locations.size > 4 * maxPending + 1000) pruneLocations()
        }
        let forwarded: unknown = action
        if (optimisticActions.confirm.match(a) || optimisticActions.rollback.match(a)) {
          // The caller only knows the opId; tell the reducer where the op lives, so it needs no scan.
          const at = locations.get(a.payload.opId)
          if (at && (a.payload as { collection?: string }).collection === undefined) forwarded = { ...a, payload: { ...a.payload, ...at } }
          locations.delete(a.payload.opId)
        }
        const conflictsBefore = onConflict ? optimisticOf(api.getState()).conflicts : undefined
        const result = inner(forwarded)
        if (conflictsBefore) notifyConflicts(conflictsBefore, optimisticOf(api.getState()).conflicts)
        if (messageListeners.size > 0) notifyMessage(a)
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
