import { shallowEqual, useSelector } from './peers'
import type { Realtime } from '../createRealtime'
import type { RealtimeState } from '../createRealtimeReducer'
import type { OutboxState } from '../outbox/outboxSlice'
import type { CollectionSyncState, SyncReason, SyncStatus } from '../sync/types'
import type { RealtimeError } from '../world/serializeError'
import { useRealtimeFrom } from './RealtimeContext'

/** What {@link useSyncStatus} returns; the same object while none of its fields changed. */
export interface UseSyncStatusResult {
  /** `sync.status`: `idle` · `syncing` · `error` (the last sync of some collection failed; it is retried) · `offline`. */
  status: SyncStatus
  /** `sync.lastSyncAt`: when a sync last succeeded (ms since epoch); null before. */
  lastSyncAt: number | null
  /** `sync.lastError`: `{ name, code, message }` of the last failed sync; null once every collection has synced since. */
  lastError: RealtimeError | null
  /** `sync.lastReason`: why the last sync started (`initial`, `reconnect`, `seq_gap`, `manual`, `interval`, `age`, `pending_ops`). */
  lastReason: SyncReason | null
  /** `connection.online`: what the environment last said about the network. */
  isOnline: boolean
  /** Ops not yet confirmed by the server (`optimistic.count`; ops in `doubt` do not count). */
  queueSize: number
  /**
   * The persisted outbox (`state.realtime.outbox`): `{ status, storage, namespace, lastError,
   * setAside, rehydratedAt }`; `status` is `off` without `storage`.
   */
  outbox: OutboxState
  /** `sync.collections`: per declared collection, `{ status, syncedAt, staleReason, syncing, error }`. */
  collections: Readonly<Record<string, CollectionSyncState>>
}

/**
 * Everything about the freshness of the client's data, for a status bar or a debug panel: the
 * sync, the network, the queue of unconfirmed ops, the persisted outbox and each collection.
 *
 * Each field is selected on its own (the connection's `online` flag, never the connection object,
 * which changes with every inbound frame), so the component re-renders only when one of them
 * changes: inbound entity updates and other traffic leave it alone.
 *
 * @throws {Error} naming `useSyncStatus()` when there is no `<RealtimeProvider>` above.
 * @example
 * const { status, isOnline, queueSize, outbox } = useSyncStatus()
 */
export function useSyncStatus(): UseSyncStatusResult {
  const realtime = useRealtimeFrom('useSyncStatus()')
  // One selection, kept while each field is the same (shallowEqual): traffic does not re-render.
  return useSelector((root: unknown) => syncFields(realtime, root), shallowEqual)
}

/**
 * The fields of {@link UseSyncStatusResult}, read from the root state (`useBackgroundSync` takes
 * some of them).
 *
 * @internal
 */
export function syncFields(realtime: Realtime<string>, root: unknown): UseSyncStatusResult {
  const { selectSync, selectConnection, selectPendingCount } = realtime.selectors
  // The connection selector first: it throws the error that says the reducer is not mounted.
  const isOnline = selectConnection(root).online
  const { status, lastSyncAt, lastError, lastReason, collections } = selectSync(root)
  const { outbox } = (root as Record<string, RealtimeState>)[realtime.reducerPath]!
  return { status, lastSyncAt, lastError, lastReason, isOnline, queueSize: selectPendingCount(root), outbox, collections }
}
