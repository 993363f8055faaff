import { createContext, useContext } from 'react'
import type { Realtime } from '../createRealtime'

/**
 * The React context that carries the {@link Realtime} instance. Set it with
 * `<RealtimeProvider realtime={realtime}>`; read it with `useRealtime()`.
 */
export const RealtimeContext = createContext<Realtime<string> | null>(null)
RealtimeContext.displayName = 'RealtimeContext'

/**
 * Reads the instance from context, throwing an error that names the hook the user called
 * (`useWebSocket()`, not an internal helper) when there is no provider.
 *
 * @internal
 */
export function useRealtimeFrom(hookName: string): Realtime<string> {
  const realtime = useContext(RealtimeContext)
  if (!realtime) {
    throw new Error(
      `rtk-realtime: ${hookName} must be used inside <RealtimeProvider realtime={realtime}>, ` +
        "itself inside react-redux's <Provider store={store}>; no RealtimeProvider was found above this component",
    )
  }
  return realtime
}
