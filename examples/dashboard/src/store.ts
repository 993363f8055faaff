/**
 * The dashboard's store: the realtime layer, whose `widgets` collection holds the widgets (with
 * optimistic ops, conflicts and rollbacks), plus small slices of sparkline history, the activity
 * log and the last real PONG. Created once, at module scope, so StrictMode's double render cannot
 * make a second store (and a second socket).
 *
 * The package does the loading: a SYNC on every open (a snapshot the first time, what was missed
 * after a reconnect), on `refresh()` / `refreshWidget(id)` and periodically (README, "Initial load
 * and background sync"). The ops not yet confirmed are persisted in IndexedDB under the demo
 * user's namespace (`?user=`, README "The persisted outbox"): they survive a reload, also one
 * while offline, and two tabs of one user share them without delivering an op twice.
 */
import { configureStore, createListenerMiddleware } from '@reduxjs/toolkit'
import { useDispatch, useSelector } from 'react-redux'
import { createRealtime } from 'rtk-realtime'
import { startActivityLog } from './activity'
import { activitySlice } from './activitySlice'
import { createLastPongSlice } from './lastPongSlice'
import { browserOnline, dashboardEnvironment, isSimulatedOffline } from './network'
import { defaultSocketUrl, readSettings } from './settings'
import { createSparklinesSlice } from './sparklinesSlice'
import { collections, mutations } from './widgets'

/** Query-string overrides (see ./settings.ts): `?reconnectDelay=50&heartbeat=1000&conflict=MERGE&user=alice`. */
export const settings = readSettings(window.location.search)

/**
 * Whether the page starts without network (the offline switch was on when this tab reloaded, or
 * the browser reports none). Such a page starts with `AUTO_CONNECT` off and connects at the first
 * `online()` (see below): the package's first attempt does not check an `offline()` reported at
 * start (`browserEnvironment` reports `navigator.onLine === false` at install), so it would open a
 * socket (to a server on localhost it opens) and say `open` while offline.
 */
export const startsOffline = isSimulatedOffline() || !browserOnline()

export const realtime = createRealtime({
  // A function: evaluated at every attempt, so the build works on whatever host and port serve it,
  // and each attempt carries a fresh token. The demo server (`--demo`) takes a demo token
  // `demo.<user>.<nonce>` (examples/server/demoAuth.ts); a real app fetches a short-lived token here.
  url: () => {
    const url = new URL(settings.url ?? defaultSocketUrl(window.location))
    url.searchParams.set('token', `demo.${settings.user}.${Math.random().toString(36).slice(2, 12).padEnd(6, '0')}`)
    return url.toString()
  },
  collections,
  mutations,
  // The conflict strategy is config, fixed here: the page's selector reloads with `?conflict=`.
  config: { websocket: startsOffline ? { ...settings.websocket, AUTO_CONNECT: false } : settings.websocket, optimistic: settings.optimistic, updates: settings.updates },
  // Every op not yet confirmed, one IndexedDB record each, per demo user.
  storage: 'indexeddb',
  outbox: { namespace: settings.user },
  // The browser's online/offline events, plus the page's offline switch (./network.ts).
  environmentListeners: dashboardEnvironment,
})

/** RTK's listener middleware: the activity log's effects (./activity.ts) and the connect below. */
export const listener = createListenerMiddleware()
startActivityLog(listener, realtime)

// A page that started offline (AUTO_CONNECT off) connects when the network is back.
listener.startListening({
  actionCreator: realtime.actions.online,
  effect: (_action, api) => {
    if (realtime.selectors.selectConnectionStatus(api.getState()) === 'idle') api.dispatch(realtime.actions.connect())
  },
})

export const sparklinesSlice = createSparklinesSlice(realtime.actions.entitiesUpdated, realtime.actions.syncSucceeded)
export const lastPongSlice = createLastPongSlice(realtime.actions.pongReceived)

export const store = configureStore({
  reducer: {
    [realtime.reducerPath]: realtime.reducer,
    [sparklinesSlice.reducerPath]: sparklinesSlice.reducer,
    [activitySlice.reducerPath]: activitySlice.reducer,
    [lastPongSlice.reducerPath]: lastPongSlice.reducer,
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
