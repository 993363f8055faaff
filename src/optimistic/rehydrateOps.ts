import type { PersistedBase } from '../outbox/outboxActions'
import type { DataContext } from './dataContext'
import type { DataTransaction } from './dataTransaction'
import { laneOf } from './lanes'
import type { Op } from './types'

/**
 * Persisted ops come back (a reload, or the outbox of another namespace or page): each goes in
 * front of its lane, in persisted order, since it was made before anything made since the start,
 * and the view is recomputed (invariant 1). A base the client has nothing newer of becomes the
 * entity's confirmed value, so a reload shows the same view before the server says anything.
 * An op already pending, confirmed or rolled back in this session is not brought back twice.
 */
export function rehydrateOps(context: DataContext, tx: DataTransaction, ops: readonly Op[], bases: readonly PersistedBase[]): void {
  const touched = new Map<string, { collection: string; key: string; ops: Op[] }>()
  for (const base of bases) {
    if (!tx.hasCollection(base.collection)) continue
    const record = tx.entity(base.collection, base.key)
    if (base.version > record.version) tx.setEntity(base.collection, base.key, { ...record, confirmed: base.confirmed, version: base.version })
    touched.set(laneOf(base.collection, base.key), { collection: base.collection, key: base.key, ops: [] })
  }
  const settled = new Set(tx.settledIds())
  for (const op of ops) {
    if (!tx.hasCollection(op.collection) || tx.locate(op.opId) || settled.has(op.opId)) continue
    const lane = laneOf(op.collection, op.key)
    const entry = touched.get(lane) ?? { collection: op.collection, key: op.key, ops: [] }
    entry.ops.push(op)
    touched.set(lane, entry)
  }
  for (const { collection, key, ops: back } of touched.values()) {
    context.writeLane(tx, collection, key, [...back, ...tx.lane(collection, key)])
  }
}
