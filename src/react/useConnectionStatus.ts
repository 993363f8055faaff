import { useSelector } from './peers'
import type { ConnectionState } from '../connection/types'
import { useRealtimeFrom } from './RealtimeContext'

/**
 * The connection sub-slice (`state[reducerPath].connection`): `status`, `attempt`,
 * `nextRetryAt`, `lastClose`, `lastError`, `latencyMs`, `received`, `rejected`, ... Plain data,
 * the same object Redux DevTools shows.
 *
 * The component re-renders whenever any of it changes, which includes every inbound message
 * (`received`, `lastMessageAt`). A component that needs only the status can select less:
 * `useSelector(useRealtime().selectors.selectConnectionStatus)`.
 *
 * @throws {Error} naming `useConnectionStatus()` when there is no `<RealtimeProvider>` above.
 */
export function useConnectionStatus(): ConnectionState {
  const realtime = useRealtimeFrom('useConnectionStatus()')
  return useSelector(realtime.selectors.selectConnection)
}
