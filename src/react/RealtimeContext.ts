import { createContext, useContext } from './peers'
import type { Realtime } from '../createRealtime'

// No displayName (React DevTools shows Context.Provider): the React entry is held to 2 kB min+gz.
/**
 * The React context that carries the {@link Realtime} instance. Set it with
 * `<RealtimeProvider realtime={realtime}>`; read it with `useRealtime()`.
 */
export const RealtimeContext = createContext<Realtime<string> | null>(null)

/**
 * Reads the instance from context, throwing an error that names the hook the user called
 * (`useWebSocket()`, not an internal helper) when there is no provider.
 *
 * @internal
 */
export function useRealtimeFrom(hookName: string): Realtime<string> {
  const realtime = useContext(RealtimeContext)
  if (!realtime) {
    throw new Error(`rtk-realtime: ${hookName} must be used inside <RealtimeProvider realtime={realtime}> (inside react-redux's <Provider>)`)
  }
  return realtime
}

/**
 * Throws a TypeError naming `where` (the API the user called) when `realtime` is not what
 * `createRealtime()` returned: the provider and `createRealtimeHooks` check it the same way.
 *
 * @internal
 */
export function assertRealtime(realtime: Realtime<string> | null | undefined, where: string): void {
  if (!realtime || typeof realtime !== 'object' || typeof realtime.reducerPath !== 'string') {
    throw new TypeError(`rtk-realtime: ${where}: realtime must be what createRealtime() returned, got ${realtime === null ? 'null' : typeof realtime}`)
  }
}
