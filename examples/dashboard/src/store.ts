/**
 * The dashboard's store: the realtime layer plus the example's widgets slice. Created once, at
 * module scope, so StrictMode's double render cannot make a second store (and a second socket).
 */
import { configureStore, createListenerMiddleware, createSelector } from '@reduxjs/toolkit'
import { useDispatch, useSelector } from 'react-redux'
import { createRealtime } from 'rtk-realtime'
import { defaultSocketUrl, readSettings } from './settings'
import { validateWidgetUpdate, widgetUpdated, widgetsSlice } from './widgetsSlice'

/** Query-string overrides (see ./settings.ts): `?reconnectDelay=50&heartbeat=1000`. */
export const settings = readSettings(window.location.search)

export const realtime = createRealtime({
  // A function: evaluated at every attempt, so the build works on whatever host and port serve it.
  url: () => settings.url ?? defaultSocketUrl(window.location),
  inbound: {
    WIDGET_UPDATE: { action: widgetUpdated, validate: validateWidgetUpdate },
  },
  config: { websocket: settings.websocket },
})

/** RTK's listener middleware: `useWebSocket().subscribe` and `onMessage` register through it. */
export const listener = createListenerMiddleware()

export const store = configureStore({
  reducer: {
    [realtime.reducerPath]: realtime.reducer,
    [widgetsSlice.reducerPath]: widgetsSlice.reducer,
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

export const selectWidgets = createSelector([(state: RootState) => state.widgets.byId], (byId) =>
  Object.values(byId).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })),
)
export const { selectStaleCount } = widgetsSlice.selectors
