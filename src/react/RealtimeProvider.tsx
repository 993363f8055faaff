import type { ReactNode } from 'react'
import type { Realtime } from '../createRealtime'
import { RealtimeContext, assertRealtime } from './RealtimeContext'

/** Props of {@link RealtimeProvider}. */
export interface RealtimeProviderProps {
  /** What `createRealtime()` returned; its reducer and middleware must be in the store of the enclosing react-redux `<Provider>`. */
  realtime: Realtime<string>
  children?: ReactNode
}

/**
 * Makes a realtime instance available to the hooks below it. Put it inside react-redux's
 * `<Provider>`: the hooks read state and dispatch through that store.
 *
 * It opens nothing: the socket belongs to the store's middleware, which connects when the store
 * is created (or on `connect()` when `websocket.AUTO_CONNECT` is off). Mounting, unmounting or
 * StrictMode double-mounting components never opens or closes a socket.
 *
 * Create the store once: at module scope, or in a ref (`storeRef.current ??= makeStore()`). Not in
 * `useState(makeStore)` or `useMemo`: StrictMode calls those twice and the discarded store's
 * middleware would still open its own socket.
 *
 * @example
 * <Provider store={store}>
 *   <RealtimeProvider realtime={realtime}>
 *     <App />
 *   </RealtimeProvider>
 * </Provider>
 */
export function RealtimeProvider({ realtime, children }: RealtimeProviderProps) {
  assertRealtime(realtime, '<RealtimeProvider realtime={...}>')
  return <RealtimeContext.Provider value={realtime}>{children}</RealtimeContext.Provider>
}
