import { applyEntityUpdate } from '../optimistic/applyEntityUpdate'
import type { DataContext } from '../optimistic/dataContext'
import type { DataTransaction } from '../optimistic/dataTransaction'
import { isPending } from '../optimistic/lanes'
import type { SyncResult } from './types'

/**
 * A sync result in the data state. Its updates take the path of live ones (`applyEntityUpdate`:
 * version-guarded, confirming ops by opId, conflicts resolved by the strategy), so a sync that
 * overlaps live updates is harmless. Then a snapshot's removals: an entity the snapshot left out is
 * deleted on the server, so its `confirmed` becomes null (its version is kept: a re-creation comes
 * with a higher one). Skipped when a newer update arrived since the snapshot was read (the version
 * moved), and when the entity has pending ops: their answers (an ACK's value, a NACK, a broadcast)
 * say what became of it, and a conflict with a deletion is theirs to resolve.
 */
export function applySyncResult(context: DataContext, tx: DataTransaction, result: Pick<SyncResult, 'updates' | 'removals' | 'at'>): void {
  const { updates, removals, at } = result
  for (const update of updates) applyEntityUpdate(context, tx, update, at)
  for (const { collection, key, version } of removals) {
    if (!tx.hasCollection(collection)) continue
    const record = tx.entity(collection, key)
    if (record.confirmed === null || record.version !== version) continue
    const lane = tx.lane(collection, key)
    if (lane.some(isPending)) continue
    context.writeLane(tx, collection, key, lane, { confirmed: null, version, view: null })
  }
}
