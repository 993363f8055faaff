/**
 * Outbox storage: the `OutboxStorage` interface, the built-in adapters (IndexedDB, localStorage,
 * memory), the `storage` option's resolution and the classification of storage failures.
 */
export type { MaybePromise, OutboxStorage, StoredEntry } from './OutboxStorage'
export { memoryStorage } from './memoryStorage'
export { localStorageStorage } from './localStorageStorage'
export type { StorageLike } from './localStorageStorage'
export { indexedDbStorage } from './indexedDbStorage'
export type { IndexedDbStorageOptions } from './indexedDbStorage'
export { resolveStorage } from './resolveStorage'
export type { ResolvedStorage, StorageEnvironment, StorageKind, StorageOption } from './resolveStorage'
export { classifyStorageError } from './classifyStorageError'
export type { StorageErrorCode, StorageOperation } from './classifyStorageError'
export { StorageUnavailableError } from './StorageUnavailableError'
