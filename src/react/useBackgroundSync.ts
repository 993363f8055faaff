import { useEffect, useMemo, useRef } from 'react'
import { useDispatch, useSelector, useStore } from 'react-redux'
import type { SyncReason, SyncStatus } from '../sync/types'
import type { RealtimeError } from '../world/serializeError'
import { useRealtimeFrom } from './RealtimeContext'
import { reportCallbackError, useLatest } from './callbacks'

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

interface Seen {
  store: unknown
  realtime: unknown
  lastSyncAt: number | null
  lastError: RealtimeError | null
  online: boolean
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
  const store = useStore()
  const dispatch = useDispatch()
  const { selectSync, selectConnection, selectPendingCount } = realtime.selectors
  const status = useSelector((state: unknown) => selectSync(state).status)
  const lastSyncAt = useSelector((state: unknown) => selectSync(state).lastSyncAt)
  const lastError = useSelector((state: unknown) => selectSync(state).lastError)
  const isOnline = useSelector((state: unknown) => selectConnection(state).online)
  const queueSize = useSelector(selectPendingCount)

  const callbacks = useLatest(options)

  // Transitions are read from the store on every dispatch, not from renders, so none is missed when
  // several happen between two renders. The baseline is what the component first rendered, so a
  // transition between that render and this effect is reported too, and the state it mounted with
  // is not. It lives in a ref: StrictMode's second effect run does not report a transition again.
  const seen = useRef<Seen | null>(null)
  useEffect(() => {
    if (seen.current?.store !== store || seen.current.realtime !== realtime) {
      seen.current = { store, realtime, lastSyncAt, lastError, online: isOnline }
    }
    const baseline = seen.current
    const check = () => {
      const root = store.getState()
      const sync = selectSync(root)
      const online = selectConnection(root).online
      if (sync.lastSyncAt === baseline.lastSyncAt && sync.lastError === baseline.lastError && online === baseline.online) return
      // Every change is taken into the baseline before any callback runs: a callback that
      // dispatches (and so runs this check again) cannot get a transition reported twice.
      const calls: Array<() => void> = []
      if (online !== baseline.online) {
        baseline.online = online
        calls.push(online ? () => callbacks.current.onOnline?.() : () => callbacks.current.onOffline?.())
      }
      if (sync.lastError !== baseline.lastError) {
        baseline.lastError = sync.lastError
        const error = sync.lastError
        if (error) calls.push(() => callbacks.current.onError?.(error))
      }
      if (sync.lastSyncAt !== baseline.lastSyncAt) {
        const before = baseline.lastSyncAt
        baseline.lastSyncAt = sync.lastSyncAt
        const at = sync.lastSyncAt
        if (at !== null && (before === null || at > before)) {
          const event: SyncEvent = { at, reason: sync.lastReason }
          calls.push(() => callbacks.current.onSync?.(event))
        }
      }
      for (const call of calls) {
        try {
          call()
        } catch (error) {
          reportCallbackError(error)
        }
      }
    }
    check()
    return store.subscribe(check)
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the selected values are only the baseline of a new store; later renders must not resubscribe (`callbacks` is a ref).
  }, [store, realtime])

  const functions = useMemo(
    () => ({
      refresh(): void {
        dispatch(realtime.actions.refresh())
      },
      refreshWidget(key: string, collection?: string): void {
        let action: ReturnType<typeof realtime.actions.refreshWidget>
        try {
          action = realtime.actions.refreshWidget(key, collection)
        } catch (error) {
          const message = (error as Error).message.replace('realtime.actions.refreshWidget', 'useBackgroundSync().refreshWidget')
          throw new TypeError(message, { cause: error })
        }
        dispatch(action)
      },
    }),
    [dispatch, realtime],
  )

  return useMemo(
    () => ({ status, isOnline, queueSize, lastSyncAt, lastError, ...functions }),
    [status, isOnline, queueSize, lastSyncAt, lastError, functions],
  )
}
