import { bucketGet, bucketOf } from '../util/buckets'
import { laneGet } from './lanes'
import type { Op, OpLocation, OptimisticState, Rollback } from './types'

/**
 * The bucket of an op id in the op index. Fewer buckets than the entity maps: the index holds at
 * most `optimistic.MAX_PENDING` ops (100 by default), and every op written copies its top level.
 */
export const opBucketOf = (opId: string): string => bucketOf(opId, 128)

/** Where an op of the lanes lives, from the op index. */
export const locateOp = (optimistic: OptimisticState, opId: string): OpLocation | undefined => bucketGet(optimistic.index, opId, opBucketOf(opId))

/** An op of the lanes (pending, or in doubt) by its id. */
export function opById(optimistic: OptimisticState, opId: string): Op | undefined {
  const at = locateOp(optimistic, opId)
  return at && laneGet(optimistic.lanes, at.collection, at.key)?.find((op) => op.opId === opId)
}

/** The remembered rollback of `opId`, if it is still among the last ones kept. */
export function rollbackOf(optimistic: OptimisticState, opId: string): Rollback | undefined {
  const { rollbacks } = optimistic
  for (let i = rollbacks.length - 1; i >= 0; i--) if (rollbacks[i]!.opId === opId) return rollbacks[i]
  return undefined
}
