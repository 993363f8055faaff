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
  for (const id of Object.keys(after)) {
    const was = before[id] ?? NO_LANE
    const now = after[id]!
    if (was !== now) diffBucket(was, now, writes)
  }
  for (const id of Object.keys(before)) if (!Object.hasOwn(after, id)) diffBucket(before[id]!, NO_LANE, writes)
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

// Lanes are short (a few ops): comparing them op by op costs less than building maps.
function diffLane(before: readonly Op[], after: readonly Op[], writes: OutboxWrites): void {
  for (const op of after) {
    if (!isPersisted(op)) continue
    const was = before.find((o) => o.opId === op.opId)
    if (!was || !isPersisted(was) || (was !== op && !samePersisted(was, op))) writes.put.push(op)
  }
  for (const op of before) {
    if (!isPersisted(op)) continue
    const now = after.find((o) => o.opId === op.opId)
    if (!now || !isPersisted(now)) writes.remove.push(op.opId)
  }
}
