import { declaredCollection } from '../collections/declaredCollection'
import type { AnyEntities, CollectionName } from '../collections/entityTypes'
import type { EntitySelectors } from '../collections/selectors'
import { bucketValues } from '../util/buckets'
import { isPending, laneGet } from './lanes'
import { opById } from './opLookup'
import type { Conflict, Op, OptimisticState, Rollback } from './types'

/**
 * Selectors over the root state for ops, conflicts and rollbacks. Each takes the root state first.
 * Those that take a collection take only a declared one (`Entities`, as in {@link EntitySelectors}).
 */
export interface OpSelectors<Entities = AnyEntities> {
  /** True while the entity has ops waiting for the server (ops in `doubt` do not count: they were rolled back). */
  selectHasPendingOps(state: unknown, collection: CollectionName<Entities>, key: string): boolean
  /** The pending ops of one entity, oldest first. */
  selectPendingOpsFor(state: unknown, collection: CollectionName<Entities>, key: string): readonly Op[]
  /** A pending op by its id, or undefined once it is settled. */
  selectOpById(state: unknown, opId: string): Op | undefined
  /** Every pending op, oldest first per entity; the same array while nothing changed. */
  selectPendingOps(state: unknown): readonly Op[]
  selectPendingCount(state: unknown): number
  selectConflicts(state: unknown): readonly Conflict[]
  selectRollbacks(state: unknown): readonly Rollback[]
}

/** The selectors of collections and ops together, as `realtime.selectors` has them. */
export type DataSelectors<Entities = AnyEntities> = EntitySelectors<Entities> & OpSelectors<Entities>

const EMPTY: readonly Op[] = []

/**
 * Builds the op selectors over `selectOptimistic(rootState)`; `selectCollections` tells the declared
 * collections, so a misspelt one throws here as it does in the entity selectors.
 */
export function createOpSelectors(
  selectOptimistic: (state: unknown) => OptimisticState,
  selectCollections: (state: unknown) => Readonly<Record<string, unknown>>,
): OpSelectors {
  const opsCache = new WeakMap<object, readonly Op[]>()
  // A lane with an op in doubt is filtered once per lane array, so selectors stay referentially stable.
  const laneCache = new WeakMap<readonly Op[], readonly Op[]>()
  const pendingOf = (lane: readonly Op[] | undefined): readonly Op[] => {
    if (lane === undefined) return EMPTY
    if (lane.every(isPending)) return lane
    let pending = laneCache.get(lane)
    if (!pending) {
      const kept = lane.filter(isPending)
      pending = kept.length === 0 ? EMPTY : kept
      laneCache.set(lane, pending)
    }
    return pending
  }
  const laneOf = (state: unknown, collection: string, key: string) => {
    declaredCollection(selectCollections(state), collection)
    return pendingOf(laneGet(selectOptimistic(state).lanes, collection, key))
  }
  return {
    selectHasPendingOps: (state, collection, key) => laneOf(state, collection, key).length > 0,
    selectPendingOpsFor: laneOf,
    selectOpById(state, opId) {
      const op = opById(selectOptimistic(state), opId)
      return op && isPending(op) ? op : undefined
    },
    selectPendingOps(state) {
      const { lanes } = selectOptimistic(state)
      let ops = opsCache.get(lanes)
      if (!ops) {
        ops = bucketValues(lanes).flat().filter(isPending)
        opsCache.set(lanes, ops)
      }
      return ops
    },
    selectPendingCount: (state) => selectOptimistic(state).count,
    selectConflicts: (state) => selectOptimistic(state).conflicts,
    selectRollbacks: (state) => selectOptimistic(state).rollbacks,
  }
}
