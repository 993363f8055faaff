import type { AnyEntities, CollectionName } from '../collections/entityTypes'
import type { CollectionsState } from '../collections/types'
import { bucketGet } from '../util/buckets'
import type { CollectionSyncState, DataStatus, SyncState, SyncStatus } from './types'

/**
 * Selectors over the root state for the sync sub-slice. Each takes the root state first; those that
 * take a collection take only a declared one (`Entities`, as in `EntitySelectors`).
 */
export interface SyncSelectors<Entities = AnyEntities> {
  /** The whole `sync` sub-slice. */
  selectSync(state: unknown): SyncState
  /** `idle` · `syncing` · `error` · `offline`. */
  selectSyncStatus(state: unknown): SyncStatus
  /** `loading` (never synced) · `ready` · `stale` of one collection. */
  selectCollectionStatus(state: unknown, collection: CollectionName<Entities>): DataStatus
  /**
   * Whether one entity's data can be trusted: `stale` when `refreshWidget(key)` marked it or its
   * collection is stale; `loading` while its collection was never synced and the client knows
   * nothing of the entity (`selectEntity` is undefined: not loaded yet, it may exist); else `ready`.
   * With `ready` or `stale`, an entity whose `selectEntity` is null or undefined does not exist
   * (deleted, or never created).
   */
  selectEntityStatus(state: unknown, collection: CollectionName<Entities>, key: string): DataStatus
}

/** Builds the sync selectors over `selectSync(rootState)` and the collections of the same state. */
export function createSyncSelectors(selectSyncState: (state: unknown) => SyncState, selectCollections: (state: unknown) => CollectionsState): SyncSelectors {
  const collectionOf = (state: unknown, collection: string): CollectionSyncState => {
    const { collections } = selectSyncState(state)
    if (!Object.hasOwn(collections, collection)) {
      throw new Error(`rtk-realtime: no collection "${collection}"; declare it in createRealtime({ collections })`)
    }
    return collections[collection]!
  }
  return {
    selectSync: selectSyncState,
    selectSyncStatus: (state) => selectSyncState(state).status,
    selectCollectionStatus: (state, collection) => collectionOf(state, collection).status,
    selectEntityStatus(state, collection, key) {
      const { status } = collectionOf(state, collection)
      if (selectSyncState(state).entities.some((mark) => mark.collection === collection && mark.key === key)) return 'stale'
      if (status !== 'loading') return status
      // A live update already told the client this entity's state: that much is loaded.
      const record = bucketGet(selectCollections(state)[collection]!.entities, key)
      return record !== undefined && record.version > 0 ? 'ready' : 'loading'
    },
  }
}
