import { useDispatch, useMemo, useSelector } from './peers'
import type { Conflict } from '../optimistic/types'
import { useRealtimeFrom } from './RealtimeContext'

/** What {@link useConflicts} returns; the same object while the conflicts are the same. */
export interface UseConflictsResult {
  /**
   * The conflicts recorded (`optimistic.conflicts`, the last 50, oldest first): `{ collection, key,
   * strategy, opIds, inFlight?, local, remote, remoteVersion, fields?, at }`.
   */
  conflicts: readonly Conflict[]
  /** Forgets them (dispatches `conflictsCleared`). Stable across renders. */
  clear(): void
}

/**
 * The conflicts between this client's ops and remote changes, for a banner or a log, and a call to
 * clear them once shown. The component re-renders only when the list changes.
 *
 * @throws {Error} naming `useConflicts()` when there is no `<RealtimeProvider>` above.
 * @example
 * const { conflicts, clear } = useConflicts()
 * if (conflicts.length > 0) return <Banner onClose={clear}>{conflicts.length} changes were overwritten</Banner>
 */
export function useConflicts(): UseConflictsResult {
  const realtime = useRealtimeFrom('useConflicts()')
  const dispatch = useDispatch()
  const conflicts = useSelector(realtime.selectors.selectConflicts)
  const clear = useMemo(() => () => void dispatch(realtime.actions.conflictsCleared()), [dispatch, realtime])
  return useMemo(() => ({ conflicts, clear }), [conflicts, clear])
}
