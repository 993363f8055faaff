/**
 * The dashboard's store: the realtime layer, whose `widgets` collection holds the widgets (with
 * optimistic ops, conflicts and rollbacks), plus a small slice of sparkline history. Created once,
 * at module scope, so StrictMode's double render cannot make a second store (and a second socket).
 *
 * The package does the loading: a SYNC on every open (a snapshot the first time, what was missed
 * after a reconnect), on `refresh()` / `refreshWidget(id)` and periodically (README, "Initial load
 * and background sync"). The ops not yet confirmed are persisted in IndexedDB under the demo
 * user's namespace (`?user=`, README "The persisted outbox"): they survive a reload, and two tabs
 * of one user share them without delivering an op twice.
 */
import { configureStore, createListenerMiddleware } from '@reduxjs/toolkit'
import { useDispatch, useSelector } from 'react-redux'
import { createRealtime } from 'rtk-realtime'
import { defaultSocketUrl, readSettings } from './settings'
import { createSparklinesSlice } from './sparklinesSlice'
import { collections, mutations } from './widgets'

/** Query-string overrides (see ./settings.ts): `?reconnectDelay=50&heartbeat=1000&conflict=MERGE&user=alice`. */
export const settings = readSettings(window.location.search)

export const realtime = createRealtime({
  // A function: evaluated at every attempt, so the build works on whatever host and port serve it.
  url: () => settings.url ?? defaultSocketUrl(window.location),
  collections,
  mutations,
  // The conflict strategy is config, fixed here: the page's selector reloads with `?conflict=`.
  config: { websocket: settings.websocket, optimistic: settings.optimistic },
  // Every op not yet confirmed, one IndexedDB record each, per demo user.
  storage: 'indexeddb',
  outbox: { namespace: settings.user },
})

/** RTK's listener middleware: `useWebSocket().subscribe` and `onMessage` register through it. */
export const listener = createListenerMiddleware()

export const sparklinesSlice = createSparklinesSlice(realtime.actions.entitiesUpdated, realtime.actions.syncSucceeded)

export const store = configureStore({
  reducer: {
    [realtime.reducerPath]: realtime.reducer,
    [sparklinesSlice.reducerPath]: sparklinesSlice.reducer,
  },
  // RTK's serializability and immutability checks stay on (in development builds): everything the
  // realtime layer puts in actions and state is plain data.
  middleware: (getDefaultMiddleware) => getDefaultMiddleware().prepend(listener.middleware).concat(realtime.middleware),
  devTools: { name: 'rtk-realtime dashboard' },
})

export type RootState = ReturnType<typeof store.getState>
export type AppDispatch = typeof store.dispatch
export const useAppSelector = useSelector.withTypes<RootState>()
export const useAppDispatch = useDispatch.withTypes<AppDispatch>()
