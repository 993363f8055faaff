import { applyEntityUpdate } from './applyEntityUpdate'
import type { DataContext } from './dataContext'
import type { DataTransaction } from './dataTransaction'
import { restandLane } from './lanes'
import type { Op } from './types'

/** What the server (an ACK, or the user with `confirm`) says about an op it applied. */
export interface Confirmation {
  version?: number
  value?: unknown
  /** `value` was given (null included: the entity was deleted). */
  hasValue: boolean
}

/**
 * An ACK or `confirm(opId)` (invariant 2). Of an op of the lanes, it confirms it. Of an op rolled
 * back meanwhile, it shows the rollback record was wrong: the record gets `appliedAfterAll`, and
 * the value is the op's own effect, applied like its broadcast (no conflict for the ops made
 * after it). Of anything else, it changes nothing: a duplicate or late answer is harmless.
 */
export function settleOp(context: DataContext, tx: DataTransaction, opId: string, server: Confirmation, at: number): void {
  const op = tx.findOp(opId)
  if (op) return confirmOp(context, tx, op, server)
  const rollback = tx.rollbackOf(opId)
  if (!rollback) return
  tx.markAppliedAfterAll(opId)
  if (server.hasValue && server.version !== undefined) {
    const { collection, key } = rollback
    applyEntityUpdate(context, tx, { collection, key, version: server.version, value: server.value, deleted: server.value === null, opId }, at)
  }
}

/**
 * Confirms an op of the lanes. With a value, the server's entity at `version` becomes `confirmed`
 * if newer than what is held. Without one, the client can compute the result only when nothing
 * happened in between: versions go up by one per change, so the op applied to what is held is the
 * server's value when `version` is at most the held one plus one. A higher version means changes
 * not seen yet (still in the batch window, or not received): the op is then `acked`, keeping its
 * effect in the view until an update of that version brings the value, so `version` never moves
 * past an update the client holds back (invariant 0). So is an op a MERGE kept
 * (`protectedFields`): its deliveries may differ, and the ACK does not say which one was applied.
 */
export function confirmOp(context: DataContext, tx: DataTransaction, op: Op, server: Confirmation): void {
  const { collection, key } = op
  const record = tx.entity(collection, key)
  const lane = tx.lane(collection, key)
  const rest = lane.filter((o) => o.opId !== op.opId)
  const held = record.version
  const { version } = server
  // An op rolled back in doubt: its answer says the record was wrong.
  if (op.status === 'doubt') tx.markAppliedAfterAll(op.opId)

  // Without a value, can the client compute the server's value at `version`?
  const gap = version !== undefined && !server.hasValue && version > held + (op.protectedFields ? 0 : 1)
  if (gap && op.status !== 'doubt') {
    const { staleDelivery: _s, notBefore: _n, ...settled } = op
    const acked: Op = { ...settled, status: 'acked', ackedVersion: version }
    tx.setLane(collection, key, restandLane(lane.map((o) => (o.opId === op.opId ? acked : o)), version))
    return
  }
  // An op in doubt was rolled back: its record (applied after all) is where it is remembered.
  if (op.status !== 'doubt') tx.noteConfirmed(op.opId)
  if (server.hasValue) {
    const newer = version === undefined || version > held
    const next = newer ? { ...record, confirmed: server.value ?? null, version: version ?? held } : record
    // Acked ops the server applied at or below that version are in its value already.
    const kept = rest.filter((o) => o.ackedVersion === undefined || o.ackedVersion > next.version)
    for (const o of rest) if (!kept.includes(o)) tx.noteConfirmed(o.opId)
    context.writeLane(tx, collection, key, restandLane(kept, next.version), next)
  } else if (version === undefined) {
    // `confirm(opId)` alone: the user says the server applied it to what is held.
    context.writeLane(tx, collection, key, rest, { ...record, confirmed: context.apply(record.confirmed, op) })
  } else if (version <= held || gap) {
    // What is held was made after the op was applied, so it already includes it; or (an op in
    // doubt, out of the view already) the update of that version will bring the value.
    context.writeLane(tx, collection, key, restandLane(rest, Math.max(held, version)), record)
  } else {
    context.writeLane(tx, collection, key, restandLane(rest, version), { ...record, confirmed: context.apply(record.confirmed, op), version })
  }
}
