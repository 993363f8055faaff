/**
 * The dashboard's store: the realtime layer, whose `widgets` collection holds the widgets (with
 * optimistic ops, conflicts and rollbacks), plus a small slice of sparkline history. Created once,
 * at module scope, so StrictMode's double render cannot make a second store (and a second socket).
 */
import { configureStore, createListenerMiddleware } from '@reduxjs/toolkit'
import { useDispatch, useSelector } from 'react-redux'
import { createRealtime, type RealtimeDispatchExtension } from 'rtk-realtime'
import { defaultSocketUrl, readSettings } from './settings'
import { createSparklinesSlice } from './sparklinesSlice'
import { collections, mutations, snapshotUpdates, WIDGETS } from './widgets'

/** Query-string overrides (see ./settings.ts): `?reconnectDelay=50&heartbeat=1000&conflict=MERGE`. */
export const settings = readSettings(window.location.search)

export const realtime = createRealtime({
  // A function: evaluated at every attempt, so the build works on whatever host and port serve it.
  url: () => settings.url ?? defaultSocketUrl(window.location),
  collections,
  mutations,
  // The conflict strategy is config, fixed here: the page's selector reloads with `?conflict=`.
  config: { websocket: settings.websocket, optimistic: settings.optimistic },
})

/** RTK's listener middleware: `useWebSocket().subscribe` and `onMessage` register through it. */
export const listener = createListenerMiddleware()

/**
 * Every time the socket opens, the widgets as the server has them now (`GET_WIDGETS`), applied as
 * one `entitiesUpdated` batch: the first load, and what changed while the socket was down.
 * Broadcasts only bring changes; this brings the widgets that did not change lately. (The package's
 * background sync, its next milestone, will do this for every collection.)
 */
listener.startListening({
  actionCreator: realtime.actions.opened,
  effect: async (_action, api) => {
    const dispatch = api.dispatch as unknown as RealtimeDispatchExtension
    let reply
    try {
      reply = await dispatch(realtime.request('GET_WIDGETS'))
    } catch {
      return // The socket dropped, or the server has no GET_WIDGETS: the next open asks again.
    }
    const state = api.getState()
    const updates = snapshotUpdates(reply.data, (key) => realtime.selectors.selectHasPendingOps(state, WIDGETS, key))
    if (updates.length > 0) api.dispatch(realtime.actions.entitiesUpdated({ updates, at: Date.now() }))
  },
})

export const sparklinesSlice = createSparklinesSlice(realtime.actions.entitiesUpdated)

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
