import type { CoalescedUpdate, EntityRecord } from '../collections/types'
import { changedFields } from '../util/changedFields'
import { CONFLICT_STRATEGIES, resolveStrategy } from './conflictStrategies'
import type { DataContext } from './dataContext'
import type { DataTransaction } from './dataTransaction'
import { isPending, restandLane } from './lanes'
import type { Conflict, Op } from './types'

/**
 * One entity update from the server (a coalesced one: `opIds` are every op whose effect it
 * carries). In order: the ops it settles leave their lane (its opIds, and `acked` ops it has
 * reached; an op in `doubt` it carries was applied after all); an update not newer than what is
 * held changes nothing else (invariant 0); a newer one becomes `confirmed`, and if pending ops
 * made on an older version remain, it is a conflict resolved by the strategy table (invariant 3).
 */
export function applyEntityUpdate(context: DataContext, tx: DataTransaction, update: CoalescedUpdate, at: number): void {
  const { collection, key, version } = update
  if (!tx.hasCollection(collection)) return
  const record = tx.entity(collection, key)
  const lane = tx.lane(collection, key)
  const ids = update.opIds ?? (update.opId !== undefined ? [update.opId] : undefined)
  if (lane.length === 0 && ids === undefined) {
    // Most updates: another user's change to an entity without ops. Nothing to settle or rebase.
    if (version > record.version) {
      const confirmed = update.deleted ? null : update.value
      tx.setEntity(collection, key, { confirmed, version, view: confirmed })
    }
    return
  }

  let rest: readonly Op[] = lane
  if (lane.length > 0) {
    rest = lane.filter((op) => !(ids?.includes(op.opId) || (op.ackedVersion !== undefined && op.ackedVersion <= version)))
    for (const op of lane) if (isPending(op) && !rest.includes(op)) tx.noteConfirmed(op.opId)
  }
  // The newest change is our own op's, also one rolled back meanwhile (its late effect): no conflict.
  const ownNewest = update.opId !== undefined && (lane.some((op) => op.opId === update.opId) || tx.rollbackOf(update.opId) !== undefined)
  // A broadcast of an op rolled back (in doubt, or later): the server applied it after all.
  if (ids) for (const opId of ids) tx.markAppliedAfterAll(opId)

  if (!(version > record.version)) {
    if (rest.length < lane.length) context.writeLane(tx, collection, key, restandLane(rest, record.version))
    return
  }
  const next: EntityRecord = { confirmed: update.deleted ? null : update.value, version, view: null }
  const contenders = ownNewest ? [] : rest.filter((op) => op.status !== 'acked' && op.status !== 'doubt' && op.baseVersion < version && !stillDebouncing(op, at))
  if (contenders.length === 0) {
    // Nothing pending, or the newest change is our own op's: the rest stand on it.
    context.writeLane(tx, collection, key, restandLane(rest, version), next)
    return
  }
  resolveConflict(context, tx, { record, next, rest, contenders, at })
}

/**
 * An op still in its debounce window was never sent and is still being made (the slider is moving):
 * it conflicts with nothing yet. It stands on the new version, and its effect goes on top of it.
 */
const stillDebouncing = (op: Op, at: number): boolean =>
  op.status === 'queued' && op.attempts === 0 && op.notBefore !== undefined && op.notBefore > at

interface ConflictCase {
  /** What was held before the update. */
  record: EntityRecord
  /** The entity after it (view not yet computed). */
  next: EntityRecord
  /** The lane once the ops the update settled are gone. */
  rest: readonly Op[]
  contenders: readonly Op[]
  at: number
}

function resolveConflict(context: DataContext, tx: DataTransaction, { record, next, rest, contenders, at }: ConflictCase): void {
  const head = contenders[0]!
  const { collection, key } = head
  const remote = next.confirmed
  const remoteVersion = next.version
  const chosen = context.options.mutations.get(head.mutation)?.conflict ?? context.options.defaultStrategy
  const strategy = resolveStrategy(chosen, {
    collection, key, base: record.confirmed, local: record.view, remote, remoteVersion,
    mutations: contenders.map((op) => op.mutation),
  })
  const remoteChanged = changedFields(record.confirmed, remote)
  const conflict: Conflict = { collection, key, strategy, opIds: contenders.map((op) => op.opId), local: record.view, remote, remoteVersion, at }
  const inFlight = contenders.filter((op) => op.status === 'sent').map((op) => op.opId)
  if (inFlight.length > 0) conflict.inFlight = inFlight
  const localChanged = new Set(changedFields(record.confirmed, record.view))
  const both = remoteChanged.filter((field) => localChanged.has(field))
  if (both.length > 0) conflict.fields = both
  tx.addConflict(conflict, context.maxConflicts)

  const outcome = CONFLICT_STRATEGIES[strategy]({
    lane: rest,
    contenders: new Set(conflict.opIds),
    remote,
    remoteVersion,
    remoteChanged,
    apply: context.apply,
  })
  // An op still in its debounce window was no contender: whatever the strategy did, it stands on the new version.
  const lane = outcome.lane.map((op) => (op.baseVersion < remoteVersion && stillDebouncing(op, at) ? { ...op, baseVersion: remoteVersion } : op))
  context.writeLane(tx, collection, key, lane, next)
  for (const { op, message } of outcome.dropped) {
    context.recordRollback(tx, op, { code: 'conflict', message: `rtk-realtime: ${collection}/${key} ${message}` }, at)
  }
}
