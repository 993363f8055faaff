import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { createRealtime } from 'rtk-realtime'
import { WebSocket } from 'ws' // only on Node 20; browsers have a global WebSocket

type Widget = { id: string; value: number; version: number }

const widgets = createSlice({
  name: 'widgets',
  initialState: {} as Record<string, Widget>,
  reducers: {
    updated: (state, action: PayloadAction<Widget>) => {
      state[action.payload.id] = action.payload
    },
  },
})

export function makeStore(url = 'ws://localhost:3000/ws') {
  const realtime = createRealtime({
    url, // or () => `wss://api.example.com/ws?token=${getToken()}`, called before every attempt
    inbound: { WIDGET_UPDATE: widgets.actions.updated }, // other types arrive as realtime/connection/messageReceived
    config: { websocket: { HEARTBEAT_INTERVAL: 15_000 } },
    WebSocket,
  })
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer, widgets: widgets.reducer },
    middleware: (gDM) => gDM().concat(realtime.middleware),
  })
  return { realtime, store }
}
