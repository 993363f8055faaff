import type { Conflict, Op, Rollback } from '../optimistic/types'
import { laneGet, type DataState } from '../optimistic/dataTransaction'
import type { EntityRecord } from './types'
import { bucketEach, bucketGet, bucketValues } from './buckets'

/** Selectors over the root state for collections and ops. Each takes the root state first. */
export interface DataSelectors {
  /** What the UI shows for one entity (`view`; null when deleted), or undefined when the package knows nothing of it. */
  selectEntity(state: unknown, collection: string, key: string): unknown
  /** `{ confirmed, version, view }` of one entity. */
  selectEntityRecord(state: unknown, collection: string, key: string): EntityRecord | undefined
  /** Every entity's view by key (deleted ones left out); the same object while nothing changed. */
  selectEntities(state: unknown, collection: string): Record<string, unknown>
  /** True while the entity has ops waiting for the server. */
  selectHasPendingOps(state: unknown, collection: string, key: string): boolean
  /** The pending ops of one entity, oldest first. */
  selectPendingOpsFor(state: unknown, collection: string, key: string): readonly Op[]
  /** Every pending op, oldest first per entity; the same array while nothing changed. */
  selectPendingOps(state: unknown): readonly Op[]
  selectPendingCount(state: unknown): number
  selectConflicts(state: unknown): readonly Conflict[]
  selectRollbacks(state: unknown): readonly Rollback[]
}

const EMPTY: readonly Op[] = []

/** Builds the data selectors for the instance mounted at `reducerPath`. */
export function createDataSelectors(reducerPath: string): DataSelectors {
  const data = (state: unknown) => (state as Record<string, DataState>)[reducerPath]!
  const viewsCache = new WeakMap<object, Record<string, unknown>>()
  const opsCache = new WeakMap<object, readonly Op[]>()
  const collectionOf = (state: unknown, collection: string) => {
    const found = data(state).collections[collection]
    if (!found) throw new Error(`rtk-realtime: no collection "${collection}"; declare it in createRealtime({ collections })`)
    return found
  }
  return {
    selectEntity(state, collection, key) {
      const record = bucketGet(collectionOf(state, collection).entities, key)
      return record === undefined ? undefined : record.view
    },
    selectEntityRecord: (state, collection, key) => bucketGet(collectionOf(state, collection).entities, key),
    selectEntities(state, collection) {
      const entities = collectionOf(state, collection).entities
      let views = viewsCache.get(entities)
      if (!views) {
        const found: Record<string, unknown> = {}
        bucketEach(entities, (record, key) => {
          if (record.view !== null) found[key] = record.view
        })
        views = found
        viewsCache.set(entities, views)
      }
      return views
    },
    selectHasPendingOps: (state, collection, key) => laneGet(data(state).optimistic.lanes, collection, key) !== undefined,
    selectPendingOpsFor: (state, collection, key) => laneGet(data(state).optimistic.lanes, collection, key) ?? EMPTY,
    selectPendingOps(state) {
      const lanes = data(state).optimistic.lanes
      let ops = opsCache.get(lanes)
      if (!ops) {
        ops = bucketValues(lanes).flat()
        opsCache.set(lanes, ops)
      }
      return ops
    },
    selectPendingCount: (state) => data(state).optimistic.count,
    selectConflicts: (state) => data(state).optimistic.conflicts,
    selectRollbacks: (state) => data(state).optimistic.rollbacks,
  }
}
