import { shallowEqual, useSelector } from './peers'
import { useRealtimeFrom } from './RealtimeContext'

/** What {@link useRealtimeUpdates} returns; the same object while none of its fields changed. */
export interface UseRealtimeUpdatesResult<T = unknown> {
  /** Every entity's view by key (deleted ones left out); the same object while nothing changed. */
  data: Record<string, T>
  /** How many ops are pending in all collections. */
  pending: number
  /** True when no op is pending. */
  synced: boolean
}

/**
 * A whole collection as the UI should show it, with the pending-op count. Re-renders when the
 * collection or the count changes.
 *
 * @throws {Error} naming the hook when there is no `<RealtimeProvider>` above.
 */
export function useRealtimeUpdates<T = unknown>(collection: string): UseRealtimeUpdatesResult<T> {
  const realtime = useRealtimeFrom('useRealtimeUpdates()')
  return useSelector((root: unknown) => {
    const pending = realtime.selectors.selectPendingCount(root)
    return { data: realtime.selectors.selectEntities(root, collection) as Record<string, T>, pending, synced: pending === 0 }
  }, shallowEqual)
}
