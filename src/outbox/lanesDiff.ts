import type { Buckets } from '../util/buckets'
import type { Op } from '../optimistic/types'
import { isPersisted, samePersisted } from './persistedRecord'

/** What one state change asks of storage: ops to write, opIds to remove. */
export interface OutboxWrites {
  put: Op[]
  remove: string[]
}

const NO_LANE: Record<string, Op[]> = {}

/**
 * The writes that carry one change of the lanes into storage. Lanes are copy-on-write, so an
 * unchanged bucket, lane or op is the same object as before: the cost follows what changed, not
 * the size of the outbox. An op whose persisted form did not change (it was only sent) is not
 * written again.
 */
export function lanesDiff(before: Buckets<Op[]>, after: Buckets<Op[]>): OutboxWrites {
  const writes: OutboxWrites = { put: [], remove: [] }
  if (before === after) return writes
  // for-in, not Object.keys: the maps have hundreds of bucket ids and this runs per change.
  let shared = 0
  for (const id in after) {
    const was = before[id]
    if (was !== undefined) shared++
    const now = after[id]!
    if (was !== now) diffBucket(was ?? NO_LANE, now, writes)
  }
  let count = 0
  for (const _id in before) count++
  if (count !== shared) for (const id in before) if (!Object.hasOwn(after, id)) diffBucket(before[id]!, NO_LANE, writes)
  return writes
}

function diffBucket(before: Record<string, Op[]>, after: Record<string, Op[]>, writes: OutboxWrites): void {
  for (const lane of Object.keys(after)) {
    const was = Object.hasOwn(before, lane) ? before[lane]! : undefined
    const now = after[lane]!
    if (was !== now) diffLane(was ?? [], now, writes)
  }
  for (const lane of Object.keys(before)) if (!Object.hasOwn(after, lane)) diffLane(before[lane]!, [], writes)
}

// Lanes are usually a few ops, compared op by op; a long one (ops piled up on one key) is indexed.
function diffLane(before: readonly Op[], after: readonly Op[], writes: OutboxWrites): void {
  const find = finder(before)
  for (const op of after) {
    if (!isPersisted(op)) continue
    const was = find(op.opId)
    if (!was || !isPersisted(was) || (was !== op && !samePersisted(was, op))) writes.put.push(op)
  }
  const findAfter = finder(after)
  for (const op of before) {
    if (!isPersisted(op)) continue
    const now = findAfter(op.opId)
    if (!now || !isPersisted(now)) writes.remove.push(op.opId)
  }
}

/** Looks ops of a lane up by opId: a scan for a short lane, a map for a long one. */
export function finder(lane: readonly Op[]): (opId: string) => Op | undefined {
  if (lane.length <= 8) return (opId) => lane.find((o) => o.opId === opId)
  const byId = new Map(lane.map((op) => [op.opId, op]))
  return (opId) => byId.get(opId)
}
