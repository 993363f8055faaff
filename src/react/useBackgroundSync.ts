import { shallowEqual, useDispatch, useMemo, useSelector } from './peers'
import type { SyncReason, SyncStatus } from '../sync/types'
import type { RealtimeError } from '../world/serializeError'
import { useRealtimeFrom } from './RealtimeContext'
import { useTransitions } from './callbacks'
import { renamed } from './renamed'
import { syncFields } from './useSyncStatus'

/** What `onSync` of {@link useBackgroundSync} is called with. */
export interface SyncEvent {
  /** `sync.lastSyncAt`: when the sync succeeded (ms since epoch). */
  at: number
  /**
   * `sync.lastReason`: why the round that succeeded started (`initial`, `reconnect`, `seq_gap`,
   * `manual`, `interval`, `age`, `pending_ops`). Null only for a `syncSucceeded` dispatched without
   * a `syncStarted` before it (never by the package).
   */
  reason: SyncReason | null
}

/**
 * Callbacks of {@link useBackgroundSync}, called on state transitions after the component mounted
 * (never for the state it mounted with), once each, also under StrictMode. They are kept in a ref:
 * the latest ones are called, and changing them never resubscribes.
 */
export interface UseBackgroundSyncOptions {
  /**
   * A sync succeeded: `sync.lastSyncAt` advanced. A SYNC and `load`s that succeed in the same
   * millisecond are one call.
   * @default none
   */
  onSync?: (event: SyncEvent) => void
  /**
   * A sync failed with a new error: a new `sync.lastError` (`{ name, code, message }`) appeared.
   * @default none
   */
  onError?: (error: RealtimeError) => void
  /**
   * The environment reported the network back: `connection.online` went from false to true.
   * @default none
   */
  onOnline?: () => void
  /**
   * The environment reported the network gone: `connection.online` went from true to false.
   * @default none
   */
  onOffline?: () => void
}

/** What {@link useBackgroundSync} returns. The functions are stable for the life of the store. */
export interface UseBackgroundSyncResult {
  /** `sync.status`: `idle` · `syncing` · `error` (the last sync of some collection failed; it is retried) · `offline`. */
  status: SyncStatus
  /** `connection.online`: what the environment last said about the network. */
  isOnline: boolean
  /** Ops not yet confirmed by the server (`optimistic.count`; ops in `doubt` do not count). */
  queueSize: number
  /** `sync.lastSyncAt`: when a sync last succeeded (ms since epoch); null before. */
  lastSyncAt: number | null
  /** `sync.lastError`: the error of the last failed sync; null once every collection has synced since. */
  lastError: RealtimeError | null
  /** Syncs every collection now (dispatches `refresh()`); each is `stale` (`manual`) until its sync succeeds. */
  refresh(): void
  /**
   * Marks one entity stale and syncs its collection now (dispatches `refreshWidget(key, collection)`).
   * @param collection @default the first declared collection
   * @throws {TypeError} naming `useBackgroundSync().refreshWidget` for an empty key or a collection that is not declared.
   */
  refreshWidget(key: string, collection?: string): void
}

/**
 * The background sync of the nearest `<RealtimeProvider>`, for a status indicator: where it is, the
 * network, how many ops wait, and calls to sync now. Thin: it selects and dispatches; the syncing
 * itself runs in the store's middleware whether or not a component uses this hook.
 *
 * The component re-renders only when `status`, `isOnline`, `queueSize`, `lastSyncAt` or
 * `lastError` changes, not on inbound traffic.
 *
 * @throws {Error} naming `useBackgroundSync()` when there is no `<RealtimeProvider>` above.
 * @example
 * const { status, isOnline, queueSize, refresh } = useBackgroundSync({
 *   onError: (error) => toast(`Sync failed: ${error.message}`),
 *   onOffline: () => toast('Offline: changes are kept and sent later'),
 * })
 */
export function useBackgroundSync(options: UseBackgroundSyncOptions = {}): UseBackgroundSyncResult {
  const realtime = useRealtimeFrom('useBackgroundSync()')
  const dispatch = useDispatch()
  // The fields it returns, kept while each is the same (shallowEqual): traffic, the outbox and the
  // collections' marks do not re-render.
  const select = (root: unknown) => {
    const { status, isOnline, queueSize, lastSyncAt, lastError } = syncFields(realtime, root)
    return { status, isOnline, queueSize, lastSyncAt, lastError }
  }
  const fields = useSelector(select, shallowEqual)

  useTransitions(realtime, options, select, fields, (before, next, root) => [
    next.isOnline !== before.isOnline && [next.isOnline ? 'onOnline' : 'onOffline'],
    next.lastError !== before.lastError && !!next.lastError && ['onError', next.lastError],
    next.lastSyncAt !== null &&
      (before.lastSyncAt === null || next.lastSyncAt > before.lastSyncAt) && ['onSync', { at: next.lastSyncAt, reason: syncFields(realtime, root).lastReason }],
  ])

  const functions = useMemo(
    () => ({
      refresh(): void {
        dispatch(realtime.actions.refresh())
      },
      refreshWidget(key: string, collection?: string): void {
        dispatch(renamed('useBackgroundSync().refreshWidget', () => realtime.actions.refreshWidget(key, collection), 'realtime.actions.refreshWidget'))
      },
    }),
    [dispatch, realtime],
  )

  return useMemo(() => ({ ...fields, ...functions }), [fields, functions])
}
