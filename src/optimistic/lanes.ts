import { bucketGet, bucketOf, type Buckets } from '../util/buckets'
import type { Op } from './types'

/**
 * The lane of an entity: where its ops live, in creation order. Collection names cannot contain
 * '/'. Lanes are bucketed by the hash of the entity key (not of the lane name), like the
 * entities, so one hash serves both: read one with {@link laneGet}.
 */
export const laneOf = (collection: string, key: string): string => `${collection}/${key}`

/** The ops of one entity in the bucketed lanes map. */
export function laneGet(lanes: Buckets<Op[]>, collection: string, key: string): Op[] | undefined {
  return bucketGet(lanes, laneOf(collection, key), bucketOf(key))
}

/**
 * Whether an op is pending. One in `doubt` is not: it was rolled back, and stays in its lane only
 * to hold the lane's turn until its answer comes.
 */
export const isPending = (op: Op): boolean => op.status !== 'doubt'

/** How many ops of a lane are pending. */
export function pendingIn(lane: readonly Op[]): number {
  let count = 0
  for (const op of lane) if (isPending(op)) count++
  return count
}

/**
 * The op of a lane whose turn it is to be on the wire: the first one not already `acked` (an ACK
 * answers the op on the wire, so acked ops are settled on the server and wait only for its value).
 */
export function deliveryHead(lane: readonly Op[]): Op | undefined {
  for (const op of lane) if (op.status !== 'acked') return op
  return undefined
}

/** The ops of a lane after the entity moved to `version` beneath them (an op confirmed, an update applied): they now stand on it. */
export function restandLane(lane: readonly Op[], version: number): Op[] {
  return lane.map((op) => (op.baseVersion < version ? { ...op, baseVersion: version } : op))
}
