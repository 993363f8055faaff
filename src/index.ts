export { createRealtime } from './createRealtime'
export type { CreateRealtimeOptions, LifecycleActions, Realtime, RealtimeRootState, RealtimeState, RequestOptions } from './createRealtime'
export { DEVTOOLS_MAX_UPDATES } from './devtools/createDevTools'
export type { RealtimeDevTools } from './devtools/createDevTools'
export type { RealtimeDevToolsState } from './devtools/flattenState'
export type { RealtimeDispatchExtension, RequestAction } from './createRealtimeMiddleware'

export { createConfig, detectEnvironment } from './config/createConfig'
export type { CreateConfigOptions, ResolvedConfig } from './config/createConfig'
export { defaultConfig } from './config/defaults'
export { RealtimeConfigError } from './config/RealtimeConfigError'
export type * from './config/types'

export { createJsonCodec, DEFAULT_MAX_FRAME_BYTES } from './protocol/jsonCodec'
export type { JsonCodecOptions } from './protocol/jsonCodec'
export type { Codec, DecodeResult, RejectCode } from './protocol/codec'
export type { Envelope } from './protocol/envelope'

export { backoffDelay } from './connection/backoff'
export type { BackoffOptions } from './connection/backoff'
export { browserEnvironment } from './connection/environmentListeners'
export type { EnvironmentHandlers, EnvironmentInstaller } from './connection/environmentListeners'
export { isInboundAction } from './connection/connectionSlice'
export type {
  ConnectionActions,
  InboundAction,
  InboundMeta,
  RequestFailedPayload,
  RequestStartedPayload,
  RequestSucceededPayload,
} from './connection/connectionSlice'
export type { InboundActionTarget, InboundRoute, InboundRouteConfig, InboundRoutes } from './connection/inboundRouter'
export type { ConnectionSelectors } from './connection/selectors'
export type {
  CloseInfo,
  ConnectionState,
  ConnectionStatus,
  MessageRejection,
  PendingRequest,
  SendRefusal,
} from './connection/types'
export type { UrlOption } from './connection/runtime'

export { defaultTimers } from './world/timers'
export type { TimerHandle, TimerProvider } from './world/timers'
export { consoleLogger, silentLogger } from './world/logger'
export type { Logger } from './world/logger'
export type { RealtimeError } from './world/serializeError'
export type { WebSocketConstructor, WebSocketLike } from './world/webSocket'

export { debounce } from './batching/debounce'
export type { Debounced, DebounceOptions } from './batching/debounce'
export { throttle } from './batching/throttle'
export type { Throttled, ThrottleOptions } from './batching/throttle'
export { createUpdateBatcher } from './batching/createUpdateBatcher'
export type { FlushStats, UpdateBatcher, UpdateBatcherOptions } from './batching/types'

export { collection } from './collections/collection'
export { parseDefaultUpdate } from './collections/defineCollections'
export type { AnyEntities, CollectionName, EntitiesOf, EntityOf } from './collections/entityTypes'
export type { CollectionDefinition, CollectionDefinitions, ParsedEntityUpdate } from './collections/defineCollections'
export type { EntitySelectors } from './collections/selectors'
export type { DataSelectors, OpSelectors } from './optimistic/selectors'
export type { CoalescedUpdate, CollectionState, CollectionsState, EntityRecord, EntityUpdate } from './collections/types'
export type {
  ConflictContext,
  ConflictResolver,
  MutationDefinition,
  MutationDefinitions,
} from './optimistic/defineMutations'
export type { MutationAction, MutationActionCreator, MutationActionCreators, MutationArgs } from './optimistic/createMutationActions'
export type { MutationPayload, OpDelivery, OpRef, OptimisticActions } from './optimistic/optimisticActions'
export type { Conflict, ConflictStrategy, Op, OpLocation, OpStatus, OptimisticState, Rollback, RollbackReason } from './optimistic/types'

export { memoryStorage, localStorageStorage, indexedDbStorage } from './outbox/storage'
export type { IndexedDbStorageOptions, MaybePromise, OutboxStorage, StorageLike, StorageOption, StoredEntry, StorageErrorCode } from './outbox/storage'
export type { OutboxOptions, PublicOutboxActions } from './createRealtime'
export type { OutboxState } from './outbox/outboxSlice'
export type { OutboxActions, PersistedBase, SetAsideRecord } from './outbox/outboxActions'
export type { MigrateRecord, PersistedOp, PersistedRecord } from './outbox/persistedRecord'
export type { LockManagerLike } from './outbox/ownerLocks'
export type { SyncActions } from './sync/syncActions'
export type { SyncSelectors } from './sync/selectors'
export type {
  CollectionLoader,
  CollectionSyncState,
  DataStatus,
  EntityChange,
  EntitySyncMark,
  LoadContext,
  SnapshotRemoval,
  StaleReason,
  SyncInvalidateOptions,
  SyncOptions,
  SyncReason,
  SyncResult,
  SyncState,
  SyncStatus,
} from './sync/types'
