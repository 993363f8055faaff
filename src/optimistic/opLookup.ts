import { bucketGet, bucketOf } from '../util/buckets'
import { laneGet } from './lanes'
import type { Op, OpLocation, OptimisticState, Rollback } from './types'

/**
 * The bucket of an op id in the op index: as many buckets as the entity maps. Every op added or
 * removed copies the top level and one bucket, and index buckets are dictionaries, whose copy
 * costs grow with their size: with 128 buckets, 10,000 pending ops (MAX_PENDING raised) made
 * buckets of about 80 ids, and the bench's create/confirm/rollback took 28/40/35 µs against
 * 21/30/27 µs with 512; at 10 and 100 pending the two measured the same within noise.
 */
export const opBucketOf = (opId: string): string => bucketOf(opId)

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
