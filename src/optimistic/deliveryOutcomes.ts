import { backoffDelay } from '../connection/backoff'
import { bucketValues } from '../util/buckets'
import type { DataContext } from './dataContext'
import type { DataTransaction } from './dataTransaction'
import type { Op, RollbackReason } from './types'
import { deepEqual } from '../util/deepEqual'
import type { RealtimeError } from '../world/serializeError'

/** What a NACK says, and which delivery it answers when the server echoed it. */
export interface Refusal {
  reason: string
  retryable: boolean
  attempt?: number
  /** In [0, 1): spreads the retry's backoff (the reducer draws no random of its own). */
  random?: number
  at: number
}

/**
 * How a requeued op goes back: `unanswered` (the old delivery got no answer, so it may still be
 * applied), and `retry` (the requeue counts against `MAX_RETRIES` and waits out a backoff drawn
 * with `random`).
 */
interface Requeue {
  lastError?: RealtimeError
  unanswered?: boolean
  retry?: { random: number }
}

/**
 * The op goes back to wait for its next delivery; the answer of the old one is no longer awaited
 * (`unanswered`: it never came, so that delivery may still be applied). An op a MERGE kept that
 * has nothing left to change is not sent again: it is rolled back, merged away.
 */
function requeue(context: DataContext, tx: DataTransaction, op: Op, at: number, { lastError, unanswered, retry }: Requeue = {}): void {
  const { staleDelivery: _answered, retryAt: _wait, ...rest } = op
  const back: Op = { ...rest, status: op.status === 'manual' ? 'manual' : 'queued' }
  if (lastError) back.lastError = lastError
  if (unanswered) back.earlierUnanswered = true
  if (retry) {
    back.retries = (op.retries ?? 0) + 1
    const { baseDelay, maxDelay, jitter } = context.options.retry
    const delay = backoffDelay({ attempt: back.retries, baseDelay, maxDelay, jitter, random: () => retry.random })
    if (delay > 0) back.retryAt = at + delay
  }
  if (back.protectedFields && addsNothing(context, tx, back)) {
    context.rollbackOp(tx, back, { code: 'conflict', message: `rtk-realtime: ${op.collection}/${op.key}: ${op.mutation} (${op.opId}) merged away: the remote side took every field it changed (MERGE)` }, at)
    return
  }
  tx.setLane(op.collection, op.key, tx.lane(op.collection, op.key).map((o) => (o.opId === op.opId ? back : o)))
}

// Whether the op, where it stands in its lane, leaves the view as it is.
function addsNothing(context: DataContext, tx: DataTransaction, op: Op): boolean {
  const lane = tx.lane(op.collection, op.key)
  const below = context.viewOf(tx.entity(op.collection, op.key).confirmed, lane.slice(0, lane.findIndex((o) => o.opId === op.opId)))
  return deepEqual(context.apply(below, op), below)
}

/** May the op be retried once more (`MAX_RETRIES` retries after its first delivery; lost deliveries do not count)? */
const canRetry = (context: DataContext, op: Op) => (op.retries ?? 0) < context.options.maxRetries

/**
 * A NACK, by rule (DESIGN.md section 4): one answering an older delivery than the latest never
 * undoes what the latest may get applied, and an op the server already ACKed ignores it. An op in
 * `doubt` leaves (the rollback recorded at its conflict was true). A refused delivery that
 * LOCAL_WINS/MERGE kept was made on a version since replaced, so its refusal is no verdict on the
 * op: it is sent again against the new one, like a retryable refusal. A definite refusal rolls
 * the op back (`rejected`); retries end in `retries_exhausted`.
 */
export function refuseOp(context: DataContext, tx: DataTransaction, op: Op, { reason, retryable, attempt, random = 0.5, at }: Refusal): void {
  if (op.status === 'acked' || (attempt !== undefined && attempt < op.attempts)) return
  if (op.status === 'doubt') return dropFromLane(tx, op)
  const what = `${op.mutation} (${op.opId})`
  if (!retryable && !op.staleDelivery) {
    return context.rollbackOp(tx, op, { code: 'rejected', message: `rtk-realtime: the server rejected ${what}: ${reason}`, serverReason: reason }, at)
  }
  // A stale delivery's refusal is no verdict on the op: it goes again at once, uncounted.
  if (op.staleDelivery) {
    return requeue(context, tx, op, at, {
      lastError: { name: 'NackError', code: 'NACK_STALE', message: `rtk-realtime: the server refused a delivery of ${what} made on an older version (${reason}); sending it again against the new one` },
    })
  }
  if (canRetry(context, op)) {
    return requeue(context, tx, op, at, {
      lastError: { name: 'NackError', code: 'NACK_RETRYABLE', message: `rtk-realtime: the server refused ${what} for now: ${reason}` },
      retry: { random },
    })
  }
  context.rollbackOp(tx, op, {
    code: 'retries_exhausted',
    message: `rtk-realtime: ${what} was refused ${op.attempts} times (backgroundSync.MAX_RETRIES = ${context.options.maxRetries}): ${reason}`,
    serverReason: reason,
  }, at)
}

/**
 * No answer to the latest delivery within `optimistic.TIMEOUT`: sent again until its deliveries
 * are spent, then rolled back in doubt (the server may have applied it without the answer
 * reaching us). A timeout of an older delivery (`attempt`) changes nothing.
 */
export function timeOutOp(context: DataContext, tx: DataTransaction, op: Op, attempt: number | undefined, at: number, random = 0.5): void {
  if ((op.status !== 'sent' && op.status !== 'doubt') || (attempt !== undefined && attempt !== op.attempts)) return
  if (op.status === 'doubt') return giveUpDoubt(tx, op)
  if (canRetry(context, op)) {
    requeue(context, tx, op, at, {
      lastError: { name: 'TimeoutError', code: 'OP_TIMEOUT', message: `rtk-realtime: no answer to ${op.mutation} (${op.opId}) within optimistic.TIMEOUT; sending it again` },
      unanswered: true,
      retry: { random },
    })
    return
  }
  context.rollbackOp(tx, op, {
    code: 'retries_exhausted',
    message: `rtk-realtime: ${op.mutation} (${op.opId}) got no answer after ${op.attempts} deliveries (backgroundSync.MAX_RETRIES = ${context.options.maxRetries}, optimistic.TIMEOUT each)`,
    inDoubt: true,
  }, at)
}

/**
 * The transport lost what was on the wire (the socket closed): those deliveries go out again on
 * the next socket. What the server read before it died it has applied, so a later rollback of
 * such an op is in doubt. An op in `doubt` is never sent again: its answer is lost, so its record
 * stays in doubt.
 */
export function deliveriesLost(context: DataContext, tx: DataTransaction, at: number): void {
  for (const lane of bucketValues(tx.allLanes)) {
    for (const op of lane) {
      if (op.status === 'doubt') giveUpDoubt(tx, op)
      else if (op.status === 'sent') requeue(context, tx, op, at, { unanswered: true })
      // The next socket is a fresh start: ops waiting out a backoff go out on it at once.
      else if (op.status === 'queued' && op.retryAt !== undefined) requeue(context, tx, op, at)
    }
  }
}

/**
 * Rolls back an op whose delivery is on the wire (a REMOTE_WINS conflict, or `rollback(opId)`):
 * its record is made now and it leaves the view, but it stays in its lane in `doubt`, holding the
 * lane's turn, so no second delivery of the key goes out before its answer.
 */
export function rollBackInDoubt(context: DataContext, tx: DataTransaction, op: Op, reason: RollbackReason, at: number): void {
  const { staleDelivery: _s, ...inDoubt } = op
  const lane = tx.lane(op.collection, op.key).map((o) => (o.opId === op.opId ? { ...inDoubt, status: 'doubt' as const } : o))
  context.writeLane(tx, op.collection, op.key, lane)
  context.recordRollback(tx, op, reason, at)
}

/** No answer will tell what became of an op in doubt: it leaves its lane, its record says so. */
export function giveUpDoubt(tx: DataTransaction, op: Op): void {
  dropFromLane(tx, op)
  tx.markInDoubt(op.opId)
}

// An op out of the view (in doubt) leaves its lane: the view does not change.
function dropFromLane(tx: DataTransaction, op: Op): void {
  tx.setLane(op.collection, op.key, tx.lane(op.collection, op.key).filter((o) => o.opId !== op.opId))
}
