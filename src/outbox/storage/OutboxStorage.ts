/** A value or a promise of it: every storage method may be synchronous or asynchronous. */
export type MaybePromise<T> = T | Promise<T>

/** One stored entry: its key inside the namespace and its text, exactly as it was written. */
export interface StoredEntry {
  key: string
  value: string
}

/**
 * Where the outbox is persisted: a namespaced key-value store of strings. The package writes one
 * entry per op (key = opId, value = the op's record as JSON) and never rewrites the whole queue.
 * Methods may be sync or async; a method that throws (or rejects) is a storage failure, reported
 * in state (`sync.outbox.lastError`), never a crash, and the in-memory ops are kept.
 *
 * Namespaces are opaque strings (`rtk-realtime:<user>` and `rtk-realtime:<user>:set-aside` for
 * records that could not be read); an adapter must keep namespaces apart.
 */
export interface OutboxStorage {
  /** A short name for messages and DevTools, e.g. `'indexeddb'`. */
  readonly name: string
  /** Every entry of a namespace, in any order. */
  getAll(namespace: string): MaybePromise<StoredEntry[]>
  /** Writes (creates or replaces) one entry. */
  set(namespace: string, key: string, value: string): MaybePromise<void>
  /** Removes one entry; removing a missing key is not an error. */
  delete(namespace: string, key: string): MaybePromise<void>
  /** Removes every entry of a namespace. */
  clear(namespace: string): MaybePromise<void>
}
