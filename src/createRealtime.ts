import { nanoid, type ActionCreatorWithoutPayload, type Reducer, type UnknownAction } from '@reduxjs/toolkit'
import type { SagaIterator } from 'redux-saga'
import { createConfig, type ResolvedConfig } from './config/createConfig'
import { detectEnvironment } from './config/environment'
import type { Environment, RealtimeConfigInput } from './config/types'
import { createConnectionSlice, type ConnectionActions } from './connection/connectionSlice'
import { browserEnvironment, type EnvironmentInstaller } from './connection/environmentListeners'
import { createInboundRouter, type InboundRoutes } from './connection/inboundRouter'
import type { ConnectionRuntime, UrlOption } from './connection/runtime'
import { createConnectionSelectors, type ConnectionSelectors } from './connection/selectors'
import { withInboundCounter } from './connection/withInboundCounter'
import { compileCollections, type CollectionDefinitions } from './collections/defineCollections'
import type { EntitiesOf } from './collections/entityTypes'
import { createEntitySelectors } from './collections/selectors'
import { buildConflictNotifier } from './middleware/conflictNotifier'
import { buildMessageListeners, registryActionType, type MessageListenerRegistry } from './middleware/messageListeners'
import { buildMutationGuard } from './middleware/mutationGuard'
import { buildRequestPromises } from './middleware/requestPromises'
import { createDataReducer } from './optimistic/createDataReducer'
import type { OutboundOptions } from './optimistic/createOutbound'
import { compileMutations, type CheckedMutations, type MutationDefinitions } from './optimistic/defineMutations'
import { createOptimisticActions, type OptimisticActions } from './optimistic/optimisticActions'
import { createMutationActions, type MutationActionCreators } from './optimistic/createMutationActions'
import type { OpsRuntime } from './optimistic/opsRuntime'
import { createOpSelectors, type DataSelectors } from './optimistic/selectors'
import type { Conflict } from './optimistic/types'
import type { Envelope } from './protocol/envelope'
import type { Codec } from './protocol/codec'
import { createJsonCodec } from './protocol/jsonCodec'
import { createRealtimeMiddleware, type RequestAction } from './createRealtimeMiddleware'
import { createRealtimeReducer, type RealtimeState } from './createRealtimeReducer'
import { createRootSaga } from './createRootSaga'
import { buildTagInvalidator } from './sync/buildTagInvalidator'
import { compileSyncOptions } from './sync/compileSyncOptions'
import { createSyncActions, type SyncActions } from './sync/syncActions'
import { createSyncReducer } from './sync/createSyncReducer'
import { createSyncSelectors, type SyncSelectors } from './sync/selectors'
import type { SyncRuntime } from './sync/syncRuntime'
import type { SyncOptions } from './sync/types'
import { validateRealtimeOptions } from './validateRealtimeOptions'
import { createDevTools, type RealtimeDevTools } from './devtools/createDevTools'
import { buildDisposeSteps, createDisposeAction } from './lifecycle/dispose'
import { buildSendRefusals } from './connection/sendRefusals'
import { buildDisconnectedRequests } from './connection/failPendingRequests'
import { consoleLogger, type Logger } from './world/logger'
import { createOutboxActions, type OutboxActions } from './outbox/outboxActions'
import { createOutboxEffects, type OutboxEffects } from './outbox/outboxEffects'
import { createOutboxReducer } from './outbox/outboxSlice'
import { defaultLockManager, type LockManagerLike } from './outbox/ownerLocks'
import type { MigrateRecord } from './outbox/persistedRecord'
import { resolveStorage, type StorageOption } from './outbox/storage/resolveStorage'
import { defaultTimers, type TimerProvider } from './world/timers'
import { globalWebSocket, type WebSocketConstructor } from './world/webSocket'

/** Options of {@link createRealtime}. Everything is optional. */
export interface CreateRealtimeOptions<
  ReducerPath extends string = 'realtime',
  Mutations extends MutationDefinitions = {},
  Collections extends CollectionDefinitions = CollectionDefinitions,
> {
  /** Where the reducer is mounted, and the prefix of every action type. @default 'realtime' */
  reducerPath?: ReducerPath
  /**
   * The socket URL, or a function (sync or async) called before every connection attempt, so
   * each reconnect can carry a fresh auth token.
   * @default config.websocket.URL
   */
  url?: UrlOption
  /** Overrides of the defaults, with per-environment overrides under `environments`. */
  config?: RealtimeConfigInput
  /** Which `config.environments` entry applies. @default from NODE_ENV: 'production', 'test', else 'development' */
  env?: Environment
  /**
   * How inbound message types become actions: `{ STATS: 'stats/received' }`, an action creator
   * (`{ STATS: statsReceived }`), or `{ STATS: { action, validate } }`. Types not listed arrive as
   * `realtime/connection/messageReceived`.
   * @default {}
   */
  inbound?: InboundRoutes
  /** The wire format. @default createJsonCodec({ maxFrameBytes: config.websocket.MAX_FRAME_BYTES }) */
  codec?: Codec
  /** The WebSocket constructor. @default globalThis.WebSocket, looked up at each attempt */
  WebSocket?: WebSocketConstructor
  /** Clock and timers. @default the globals, looked up lazily (so fake timers work) */
  timers?: TimerProvider
  /** Random numbers in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number
  /** Where problems that cannot go into state are reported. @default console warnings and errors */
  logger?: Logger
  /** Makes request ids. @default nanoid */
  generateId?: () => string
  /**
   * Subscribes to online/offline/visibility and reports them; `false` installs nothing.
   * @default browserEnvironment (a no-op where there is no window)
   */
  environmentListeners?: EnvironmentInstaller | false
  /**
   * Run the package's saga on a saga middleware of its own. Set to false when your store already
   * runs redux-saga and you fork `realtime.saga` in your root saga instead.
   * @default true
   */
  runSaga?: boolean
  /**
   * Entity collections: which inbound message types carry their updates and how to read them.
   * Declare each with its entity type, `widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] })`,
   * and the selectors and hooks are typed by collection name (a plain object gives `unknown` entities).
   * @default {}
   */
  // The intersection keeps the functions of a definition (load, parse, validate) contextually typed.
  collections?: Collections & CollectionDefinitions
  /**
   * Optimistic mutations by name; each becomes an action creator under `actions`. A mutation's
   * `collection` must be a declared one, and on a typed collection (`collection<Widget>()`) its
   * `apply` gets and returns that entity type (`Widget | null`). @default {}
   */
  mutations?: Mutations & CheckedMutations<Mutations, Collections>
  /** How ops leave the client: one frame per op (default), batched frames, or your own transport. */
  outbound?: OutboundOptions
  /** Called (from the middleware, never a reducer) for every conflict recorded in state. */
  onConflict?: (conflict: Conflict) => void
  /**
   * Where the outbox (every op not yet confirmed) is persisted, so it survives reloads:
   * `'indexeddb'` (browsers; falls back to localStorage, then memory, where it is missing),
   * `'localstorage'`, `'memory'`, or an {@link OutboxStorage} adapter. Without it ops live in
   * memory only.
   * @default none
   */
  storage?: StorageOption
  /** How the persisted outbox is namespaced and read back; see {@link OutboxOptions}. */
  outbox?: OutboxOptions
  /**
   * How collections are loaded and kept in sync over the socket: `{ type }` of the SYNC request,
   * and `invalidate`, a bridge that invalidates RTK Query tags of entities that changed. `false`
   * sends no SYNC at all (servers without it); collections with `load` still load.
   * @default { type: 'SYNC' }
   */
  sync?: SyncOptions | false
}

/** Options of the persisted outbox (`createRealtime({ storage, outbox })`). */
export interface OutboxOptions {
  /**
   * The user or tenant whose ops are persisted: one user's ops are never replayed under another's
   * namespace. Switch with `realtime.actions.openOutbox(namespace)`; empty with `clearOutbox()`.
   * @default 'default'
   */
  namespace?: string
  /** Turns a record written by an older release (`record.v`) into the current format, or throws to set it aside. */
  migrate?: MigrateRecord
  /**
   * Owner locks, so two pages of one user never deliver the same op at once and a closed page's
   * ops are taken over by another. `false` turns them off (every stored op is this page's).
   * @default navigator.locks, where it exists
   */
  locks?: LockManagerLike | false
}

/** The outbox actions: `openOutbox` and `clearOutbox` to dispatch, and those the package dispatches (for `extraReducers`). */
export type PublicOutboxActions = OutboxActions

/** Options of a request. */
export interface RequestOptions {
  /** How long to wait for the reply, in ms. @default config.websocket.REQUEST_TIMEOUT */
  timeout?: number
}

export type { RealtimeState } from './createRealtimeReducer'

/** `realtime.actions.dispose()`: tears the store's realtime part down for good (tests, server-side renders). */
export interface LifecycleActions {
  /**
   * Closes the socket (a `disconnect()`), fails the requests still waiting (`DISPOSED`), cancels
   * the package's saga (heartbeat, reconnect, sync and delivery timers, environment listeners) and
   * stops the outbox effects. Nothing starts again for that store: make a new store to reconnect.
   */
  dispose: ActionCreatorWithoutPayload
}

/** The slice of the root state that the package owns. */
export type RealtimeRootState<ReducerPath extends string = 'realtime'> = { [K in ReducerPath]: RealtimeState }

/**
 * What {@link createRealtime} returns: RTK Query's `createApi` shape. `Collections` is the
 * `collections` option as declared: the selectors take only its names and give back its entity
 * types. @default any collection name, `unknown` entities
 */
export interface Realtime<
  ReducerPath extends string = 'realtime',
  Mutations extends MutationDefinitions = {},
  Collections extends CollectionDefinitions = CollectionDefinitions,
> {
  /** The key to mount `reducer` under; a literal type, so `{ [realtime.reducerPath]: realtime.reducer }` types well. */
  readonly reducerPath: ReducerPath
  readonly reducer: Reducer<RealtimeState>
  /** Add it with `.concat(realtime.middleware)`; it starts the socket saga on its own. */
  readonly middleware: ReturnType<typeof createRealtimeMiddleware>
  /** The root saga, for `runSaga: false` stores that fork it themselves (`fork(realtime.saga)`). */
  readonly saga: () => SagaIterator<void>
  /**
   * Every action creator of the package: the connection's (`connect`, `disconnect`, `send`, …),
   * the optimistic ones (`confirm`, `rollback`, …), the sync's (`refresh`, `refreshWidget`, …)
   * and one per declared mutation.
   */
  readonly actions: ConnectionActions & OptimisticActions & PublicOutboxActions & SyncActions & LifecycleActions & MutationActionCreators<Mutations>
  readonly selectors: ConnectionSelectors & DataSelectors<EntitiesOf<Collections>> & SyncSelectors<EntitiesOf<Collections>>
  /**
   * Redux DevTools options: `configureStore({ devTools: realtime.devTools })`, or spread them into
   * yours. The state shows entities, lanes and the op index by key (no hash buckets), `pongReceived`
   * is left out of the action list, and long batches of entity updates show their first ten and a count.
   */
  readonly devTools: RealtimeDevTools
  /**
   * Makes a request action. `await store.dispatch(realtime.request('ECHO', data))` resolves with
   * the reply envelope (the frame whose `replyTo` is this request's id) or rejects with a plain
   * `{ name, message, code }`: `REQUEST_TIMEOUT`, `REQUEST_REJECTED` (a NACK or ERROR reply) or
   * `BUFFER_FULL`.
   */
  request(type: string, data?: unknown, options?: RequestOptions): RequestAction
  /**
   * Calls `handler` with every inbound message (routed or not, as its envelope) of the store that
   * `dispatch` belongs to, until the returned function is called. The handler lives in the realtime
   * middleware, never in an action or in state; one that throws is logged and the others still run.
   * @throws {Error} when that store has no `realtime.middleware`.
   */
  onMessage(dispatch: (action: UnknownAction) => unknown, handler: (message: Envelope) => void): () => void
  readonly config: ResolvedConfig
  readonly getConfig: ResolvedConfig['getConfig']
  readonly isFeatureEnabled: ResolvedConfig['isFeatureEnabled']
}

/**
 * Creates the real-time layer: one reducer, one middleware, and their actions and selectors.
 *
 * @throws {TypeError} at once for a misspelt or mistyped option, an invalid config, or a malformed inbound route.
 */
export function createRealtime<
  const ReducerPath extends string = 'realtime',
  const Mutations extends MutationDefinitions = {},
  const Collections extends CollectionDefinitions = CollectionDefinitions,
>(options: CreateRealtimeOptions<ReducerPath, Mutations, Collections> = {}): Realtime<ReducerPath, Mutations, Collections> {
  validateRealtimeOptions(options)
  const reducerPath = (options.reducerPath ?? 'realtime') as ReducerPath
  const config = createConfig(options.config, { environment: options.env ?? detectEnvironment() })
  const values = config.values
  const slice = createConnectionSlice({ reducerPath, maxBufferedSends: values.websocket.MAX_BUFFERED_SENDS })
  const timers = options.timers ?? defaultTimers
  const logger = options.logger ?? consoleLogger
  const generateId = options.generateId ?? nanoid
  const now = () => timers.now()

  const { names: collectionNames, parsers, valueChecks, entityParsers, loaders } = compileCollections(options.collections)
  const syncOptions = compileSyncOptions(options.sync)
  const mutations = compileMutations(reducerPath, options.mutations, collectionNames, values.updates.DEBOUNCE_DELAY)
  for (const type of parsers.keys()) {
    if (options.inbound && Object.hasOwn(options.inbound, type)) {
      throw new TypeError(`rtk-realtime: createRealtime: "${type}" is both an inbound route and a collection update type; pick one`)
    }
  }
  const optimisticActions = createOptimisticActions(reducerPath, now)
  const outboxActions = createOutboxActions(reducerPath, now)
  const syncActions = createSyncActions(reducerPath, collectionNames, now)
  const actions = {
    ...slice.actions,
    ...optimisticActions,
    ...outboxActions,
    ...syncActions,
    dispose: createDisposeAction(reducerPath),
    ...createMutationActions(mutations, generateId, now),
  } as Realtime<ReducerPath, Mutations, Collections>['actions']
  const selectData = (state: unknown) => (state as Record<string, RealtimeState>)[reducerPath]!
  const selectCollections = (state: unknown) => selectData(state).collections
  const selectors = {
    ...createConnectionSelectors(reducerPath),
    ...createEntitySelectors(selectCollections),
    ...createOpSelectors((state) => selectData(state).optimistic, selectCollections),
    ...createSyncSelectors((state) => selectData(state).sync, selectCollections),
  }
  const mutationsByType = new Map([...mutations.values()].map((m) => [m.actionType, m]))
  const outbound = options.outbound ?? {}
  const ops: OpsRuntime | undefined =
    collectionNames.length > 0
      ? {
          actions: optimisticActions, mutations, mutationsByType, valueChecks, selectData, outbound,
          hold: { isHeld: (state) => selectData(state).outbox.status === 'rehydrating', releasedBy: outboxActions.outboxRehydrated.type },
          syncSucceeded: syncActions.syncSucceeded.type,
        }
      : undefined
  const socketCollections = collectionNames.filter((name) => !loaders.has(name))
  // Collections whose entities also arrive over the socket: a close may make them miss some.
  const liveCollections = collectionNames.filter((name) => (options.collections?.[name]?.updates?.length ?? 0) > 0)
  const sync: SyncRuntime | undefined =
    collectionNames.length > 0
      ? {
          actions: syncActions,
          requestType: syncOptions.requestType,
          socketCollections,
          liveCollections,
          loaders,
          parsers,
          entityParsers,
          selectCollections,
          selectSync: (state) => selectData(state).sync,
          selectPendingCount: (state) => selectData(state).optimistic.count,
          generateId,
        }
      : undefined

  const runtime: ConnectionRuntime = {
    actions,
    config: values,
    codec: options.codec ?? createJsonCodec({ maxFrameBytes: values.websocket.MAX_FRAME_BYTES }),
    timers,
    random: options.random ?? Math.random,
    logger,
    url: options.url ?? values.websocket.URL,
    getWebSocket: () => options.WebSocket ?? globalWebSocket(),
    route: createInboundRouter(reducerPath, options.inbound),
    selectConnection: selectors.selectConnection,
    environmentListeners: options.environmentListeners ?? browserEnvironment,
  }
  const saga = createRootSaga(runtime, { parsers, entitiesUpdated: optimisticActions.entitiesUpdated, ops, sync })

  function request(type: string, data?: unknown, requestOptions: RequestOptions = {}): RequestAction {
    if (typeof type !== 'string' || type === '') {
      throw new TypeError(`rtk-realtime: realtime.request(type): type must be a non-empty string, got ${String(type)}`)
    }
    const timeoutMs = requestOptions.timeout ?? values.websocket.REQUEST_TIMEOUT
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new TypeError(`rtk-realtime: realtime.request("${type}", data, { timeout }): timeout must be a positive number of ms, got ${String(timeoutMs)}`)
    }
    const requestId = generateId()
    const message = data === undefined ? { type, id: requestId } : { type, id: requestId, data }
    const action = slice.actions.requestStarted({ requestId, message, timeoutMs, startedAt: timers.now() })
    return { ...action, meta: { realtimeRequest: true } }
  }

  const resolved = options.storage === undefined ? undefined : resolveStorage(options.storage)
  if (resolved?.fellBackFrom) logger.warn(`rtk-realtime: createRealtime({ storage: '${resolved.fellBackFrom}' }): not available here; the outbox is persisted in ${resolved.storage.name}`)
  const namespace = options.outbox?.namespace ?? 'default'
  const outboxEffects: (() => OutboxEffects) | undefined = resolved && (() => createOutboxEffects({
    reducerPath,
    storage: resolved.storage,
    actions: outboxActions,
    mutations,
    selectState: selectData,
    migrate: options.outbox?.migrate,
    locks: options.outbox?.locks === false ? null : options.outbox?.locks ?? defaultLockManager(),
    generateId,
    now,
    logger,
  }))

  const dataReducer = createDataReducer({
    outboxActions,
    collections: collectionNames,
    mutations,
    mutationsByType,
    actions: optimisticActions,
    maxPending: values.optimistic.MAX_PENDING,
    maxOutbox: values.backgroundSync.MAX_OUTBOX_SIZE,
    maxRetries: values.backgroundSync.MAX_RETRIES,
    retry: { baseDelay: values.backgroundSync.RETRY_DELAY, maxDelay: values.backgroundSync.RETRY_MAX_DELAY, jitter: values.websocket.RECONNECT_JITTER },
    defaultStrategy: values.optimistic.CONFLICT_RESOLUTION,
    optimistic: values.features.ENABLE_OPTIMISTIC_UPDATES,
    syncSucceeded: syncActions.syncSucceeded.type,
  })
  const syncReducer = createSyncReducer({
    actions: syncActions,
    collections: collectionNames,
    unsyncedSocketCollections: syncOptions.requestType === undefined ? socketCollections : [],
    opened: slice.actions.opened.type,
    online: slice.actions.online.type,
    offline: slice.actions.offline.type,
  })
  const reducer = createRealtimeReducer(
    withInboundCounter(slice.reducer, reducerPath),
    dataReducer,
    createOutboxReducer(outboxActions, resolved?.storage.name ?? null, namespace),
    syncReducer,
  )
  const middleware = createRealtimeMiddleware({
    reducerPath,
    handlers: [
      buildMessageListeners(reducerPath, logger),
      buildRequestPromises(slice.actions),
      buildDisconnectedRequests(slice.actions, selectors.selectConnection),
      buildSendRefusals({ actions: slice.actions, selectConnection: selectors.selectConnection, maxBufferedSends: values.websocket.MAX_BUFFERED_SENDS, now }),
      buildMutationGuard({ actions: optimisticActions, mutationsByType, selectData, maxPending: values.optimistic.MAX_PENDING, maxOutbox: values.backgroundSync.MAX_OUTBOX_SIZE, logger }),
      ...(options.onConflict
        ? [buildConflictNotifier(optimisticActions, (state) => selectData(state).optimistic, options.onConflict, logger, [syncActions.syncSucceeded.type])]
        : []),
      ...(syncOptions.invalidate && collectionNames.length > 0
        ? [buildTagInvalidator({ entitiesUpdated: optimisticActions.entitiesUpdated, syncSucceeded: syncActions.syncSucceeded }, selectCollections, syncOptions.invalidate, logger)]
        : []),
    ],
    rootSaga: saga,
    runSaga: options.runSaga ?? true,
    ...(outboxEffects ? { outbox: { build: outboxEffects, namespace } } : {}),
    dispose: { type: actions.dispose.type, before: buildDisposeSteps(slice.actions, selectors.selectConnection) },
    logger,
  })
  const devTools = createDevTools({
    reducerPath,
    batchTypes: [optimisticActions.entitiesUpdated.type, syncActions.syncSucceeded.type],
    denied: [slice.actions.pongReceived.type],
  })

  function onMessage(dispatch: (action: UnknownAction) => unknown, handler: (message: Envelope) => void): () => void {
    const registry = dispatch({ type: registryActionType(reducerPath) }) as Partial<MessageListenerRegistry> | undefined
    if (!registry || typeof registry.add !== 'function') {
      throw new Error(`rtk-realtime: realtime.onMessage(dispatch, handler): this store has no realtime.middleware; add it with .concat(realtime.middleware)`)
    }
    return registry.add(handler)
  }

  return {
    reducerPath,
    reducer,
    middleware,
    onMessage,
    saga,
    actions,
    // The selectors are built untyped; the entity types are the compiler's alone (collections/entityTypes.ts).
    selectors: selectors as Realtime<ReducerPath, Mutations, Collections>['selectors'],
    devTools,
    request,
    config,
    getConfig: config.getConfig,
    isFeatureEnabled: config.isFeatureEnabled,
  }
}
