import { useMemo } from 'react'
import { useSelector } from 'react-redux'
import type { OutboxState } from '../outbox/outboxSlice'
import type { CollectionSyncState, SyncReason, SyncStatus } from '../sync/types'
import type { RealtimeError } from '../world/serializeError'
import { useRealtimeFrom } from './RealtimeContext'
import { selectRealtimeState } from './realtimeState'

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
  const { selectSync, selectConnection, selectPendingCount } = realtime.selectors
  const status = useSelector((state: unknown) => selectSync(state).status)
  const lastSyncAt = useSelector((state: unknown) => selectSync(state).lastSyncAt)
  const lastError = useSelector((state: unknown) => selectSync(state).lastError)
  const lastReason = useSelector((state: unknown) => selectSync(state).lastReason)
  const collections = useSelector((state: unknown) => selectSync(state).collections)
  const isOnline = useSelector((state: unknown) => selectConnection(state).online)
  const queueSize = useSelector(selectPendingCount)
  const outbox = useSelector((state: unknown) => selectRealtimeState(realtime, state).outbox)
  return useMemo(
    () => ({ status, lastSyncAt, lastError, lastReason, isOnline, queueSize, outbox, collections }),
    [status, lastSyncAt, lastError, lastReason, isOnline, queueSize, outbox, collections],
  )
}
