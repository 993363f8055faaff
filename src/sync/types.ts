import type { UnknownAction } from '@reduxjs/toolkit'
import type { EntityUpdate } from '../collections/types'
import type { RealtimeError } from '../world/serializeError'

/**
 * Where the sync is: `idle` (nothing running, the last sync of every collection succeeded),
 * `syncing` (a SYNC request or a `load` is running), `error` (the last sync of some collection
 * failed; it is retried), `offline` (the environment reports no network; syncs pause).
 */
export type SyncStatus = 'idle' | 'syncing' | 'error' | 'offline'

/**
 * Why data was marked stale: `reconnect` (the socket closed: updates may be missed until the next
 * sync), `seq_gap` (an inbound `seq` skipped numbers), `age` (not synced within
 * `backgroundSync.WIDGET_REFRESH`), `manual` (`refresh()` / `refreshWidget()`).
 */
export type StaleReason = 'reconnect' | 'seq_gap' | 'age' | 'manual'

/**
 * Why a sync ran: `initial` (the first load), a {@link StaleReason}, `interval`
 * (`backgroundSync.SYNC_INTERVAL`), `pending_ops` (`optimistic.SYNC_INTERVAL` while ops are pending).
 */
export type SyncReason = 'initial' | StaleReason | 'interval' | 'pending_ops'

/**
 * Whether the client's data of a collection (or of an entity) can be trusted: `loading` (never
 * synced yet: an unknown entity may exist on the server), `ready` (synced, and kept up to date by
 * live updates), `stale` (something may have been missed; a sync is due).
 */
export type DataStatus = 'loading' | 'ready' | 'stale'

/** The sync state of one collection. */
export interface CollectionSyncState {
  status: DataStatus
  /** When the collection was last synced successfully (ms since epoch); null before. */
  syncedAt: number | null
  /** What made it stale, while `status` is `stale`. */
  staleReason: StaleReason | null
  /** A sync of it is running. */
  syncing: boolean
  /** Why its last sync failed; null once one succeeded. */
  error: RealtimeError | null
}

/** An entity marked stale by `refreshWidget(key)`, until its collection's next sync succeeds. */
export interface EntitySyncMark {
  collection: string
  key: string
  reason: StaleReason
  at: number
}

/** The `sync` sub-slice: plain data. */
export interface SyncState {
  status: SyncStatus
  /** When a sync last succeeded (ms since epoch). */
  lastSyncAt: number | null
  /** The error of the last failed sync; null once every collection has synced since. */
  lastError: RealtimeError | null
  /** Why the last sync started. */
  lastReason: SyncReason | null
  /** The server's `seq` as of the last SYNC reply (the client's data includes every broadcast up to it). */
  seq: number | null
  /** Per declared collection. */
  collections: Record<string, CollectionSyncState>
  /** Entities marked by `refreshWidget`, oldest first (a short list: one per manual refresh). */
  entities: EntitySyncMark[]
}

/** An entity the client holds that a snapshot left out: deleted on the server. */
export interface SnapshotRemoval {
  collection: string
  key: string
  /** The version held when the snapshot arrived; a newer update since keeps the entity. */
  version: number
}

/** Payload of `syncSucceeded`: what one SYNC reply or one `load` brought. */
export interface SyncResult {
  /** The collections it covers. */
  collections: string[]
  /** Entity updates, in order; applied like live ones (version-guarded, confirming ops, conflicts). */
  updates: EntityUpdate[]
  /** A full state of `collections` (a snapshot or a `load`), not just the missed changes. */
  snapshot: boolean
  /** Entities the snapshot left out, to delete (those without pending ops). */
  removals: SnapshotRemoval[]
  /** The server's seq of a SYNC reply. */
  seq?: number
  reason: SyncReason
  at: number
}

/** What the RTK Query bridge tells `tags`: the entities of one collection that changed. */
export interface EntityChange {
  collection: string
  keys: string[]
}

/**
 * The RTK Query bridge: after entity changes from the server (live batches and sync results),
 * `api.util.invalidateTags(tags(change))` is dispatched, so queries providing those tags refetch.
 */
export interface SyncInvalidateOptions<Tag = unknown> {
  /** An RTK Query api (`createApi(...)`); only `api.util.invalidateTags` is used. */
  api: { util: { invalidateTags(tags: Tag[]): UnknownAction } }
  /** The tags to invalidate for the changed entities of one collection; `[]` for none. */
  tags(change: EntityChange): readonly Tag[]
}

/** `createRealtime({ sync })`. */
export interface SyncOptions<Tag = unknown> {
  /** The request type of the sync request. @default 'SYNC' */
  type?: string
  /** Invalidate RTK Query tags of entities that changed. @default no bridge */
  invalidate?: SyncInvalidateOptions<Tag>
}

/** What a collection's `load` is called with. */
export interface LoadContext {
  collection: string
  reason: SyncReason
  /** Aborts when the load is given up (no result within `websocket.REQUEST_TIMEOUT`): pass it to `fetch`. */
  signal: AbortSignal
}

/**
 * A collection's `load`: every entity of the collection, each in the shape of an update's `data`
 * (`{ id, version, ...entity }` with the default `parse`).
 */
export type CollectionLoader = (context: LoadContext) => Promise<readonly unknown[]> | readonly unknown[]
