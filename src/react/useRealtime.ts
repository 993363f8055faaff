import type { Realtime } from '../createRealtime'
import { useRealtimeFrom } from './RealtimeContext'

/**
 * The realtime instance of the nearest `<RealtimeProvider>`: its `actions`, `selectors`,
 * `request` and `config`, for anything the other hooks do not cover.
 *
 * @throws {Error} naming `useRealtime()` when there is no `<RealtimeProvider>` above.
 * @example
 * const realtime = useRealtime()
 * const status = useSelector(realtime.selectors.selectConnectionStatus)
 */
export function useRealtime(): Realtime<string> {
  return useRealtimeFrom('useRealtime()')
}
