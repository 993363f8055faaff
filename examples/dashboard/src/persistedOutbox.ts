/**
 * Reads what the package has persisted, straight from IndexedDB, for the outbox panel: the
 * panel shows what is stored, not what the state says should be.
 *
 * The package writes one record per op with `createRealtime({ storage: 'indexeddb' })`: database
 * `rtk-realtime`, entries keyed by `[<reducerPath>:<namespace>, opId]`, each a JSON
 * `PersistedRecord` `{ v, order, owner, op, base }` (README, "The persisted outbox"). This reads
 * them through the package's own adapter (`indexedDbStorage()`, a second connection to the same
 * database) and never writes.
 */
import { indexedDbStorage, type OutboxStorage, type PersistedRecord } from 'rtk-realtime'

/** One stored record, as read. */
export interface StoredOp {
  opId: string
  /** The page that delivers it (the package's owner id of that page). */
  owner: string
  order: number
  mutation: string
  key: string
  args: unknown
  attempts: number
  createdAt: number
}

/** What a read found. */
export interface StoredOutbox {
  ops: StoredOp[]
  /** Entries that are not records this release can read (the package sets those aside on its next read-back). */
  unreadable: number
  readAt: number
}

let reader: OutboxStorage | undefined

/** The records of `namespace` (the package's key space `<reducerPath>:<namespace>`), oldest first. */
export async function readStoredOutbox(reducerPath: string, namespace: string): Promise<StoredOutbox> {
  reader ??= indexedDbStorage()
  const entries = await reader.getAll(`${reducerPath}:${namespace}`)
  const ops: StoredOp[] = []
  let unreadable = 0
  for (const { key, value } of entries) {
    try {
      const record = JSON.parse(value) as PersistedRecord
      const { op } = record
      if (op?.opId !== key || typeof record.owner !== 'string') throw new Error('not a record')
      ops.push({ opId: op.opId, owner: record.owner, order: record.order, mutation: op.mutation, key: op.key, args: op.args, attempts: op.attempts, createdAt: op.createdAt })
    } catch {
      unreadable++
    }
  }
  ops.sort((a, b) => a.order - b.order)
  return { ops, unreadable, readAt: Date.now() }
}
