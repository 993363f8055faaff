import type { UpdateParser } from '../collections/defineCollections'
import type { CollectionsState } from '../collections/types'
import type { SyncActions } from './syncActions'
import type { CollectionLoader, SyncState } from './types'

/** What the sync saga needs from the instance; fixed when it is created. */
export interface SyncRuntime {
  actions: SyncActions
  /** The request type of SYNC; undefined with `sync: false` (no SYNC request is ever sent). */
  requestType: string | undefined
  /** Collections without `load`: the SYNC over the socket covers them (all of them at once). */
  socketCollections: readonly string[]
  /** Collections with update types: their entities arrive over the socket, so a close may make them miss changes. */
  liveCollections: readonly string[]
  /** Collections with `load`, and their loaders. */
  loaders: ReadonlyMap<string, CollectionLoader>
  /** Parsers by update type (a SYNC reply's frames). */
  parsers: ReadonlyMap<string, UpdateParser>
  /** Parsers by collection (a `load`'s entities). */
  entityParsers: ReadonlyMap<string, UpdateParser>
  selectCollections(rootState: unknown): CollectionsState
  selectSync(rootState: unknown): SyncState
  /** Pending ops (for `optimistic.SYNC_INTERVAL`). */
  selectPendingCount(rootState: unknown): number
  /** Makes SYNC request ids. */
  generateId(): string
}
