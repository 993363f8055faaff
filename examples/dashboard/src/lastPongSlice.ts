/**
 * The last PONG that answered a PING: the package's `pongReceived` (dispatched only for a real
 * round trip of the current socket's last PING). The connection state keeps `latencyMs` after a
 * close, as the last known value; with this the dashboard tells a latency measured on the socket
 * that is open now from one measured before an outage (../components/ConnectionPanel.tsx).
 */
import { createSlice } from '@reduxjs/toolkit'
import type { ConnectionActions } from 'rtk-realtime'

export interface LastPong {
  sentAt: number
  receivedAt: number
}

/** The slice, listening to `realtime.actions.pongReceived` (passed in: the store makes `realtime`). */
export function createLastPongSlice(pongReceived: ConnectionActions['pongReceived']) {
  return createSlice({
    name: 'lastPong',
    initialState: null as LastPong | null,
    reducers: {},
    extraReducers: (builder) => {
      builder.addCase(pongReceived, (_state, action) => ({ sentAt: action.payload.sentAt, receivedAt: action.payload.receivedAt }))
    },
  })
}
