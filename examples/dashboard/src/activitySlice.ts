/**
 * The activity log: what happened to the connection, the network, the sync and the outbox, as
 * plain entries in the store. The entries are written by listener effects (./activity.ts) that
 * translate the package's actions (`opened`, `closed`, `offline`, `syncSucceeded`,
 * `outboxRehydrated`, ...) into sentences; the slice only keeps the last {@link MAX_ENTRIES}.
 */
import { createSlice, nanoid, type PayloadAction } from '@reduxjs/toolkit'

/** The kinds of entry, one colour each in the log. */
export type ActivityKind = 'connected' | 'disconnected' | 'error' | 'message' | 'offline' | 'online' | 'sync' | 'outbox'

export interface ActivityEntry {
  id: string
  at: number
  kind: ActivityKind
  text: string
}

/** How many entries the log keeps (newest first). */
export const MAX_ENTRIES = 40

export const activitySlice = createSlice({
  name: 'activity',
  initialState: [] as ActivityEntry[],
  reducers: {
    logged: {
      reducer: (state, action: PayloadAction<ActivityEntry>) => {
        state.unshift(action.payload)
        if (state.length > MAX_ENTRIES) state.length = MAX_ENTRIES
      },
      // The clock is read here, in the action creator, never in the reducer.
      prepare: (kind: ActivityKind, text: string, at: number = Date.now()) => ({ payload: { id: nanoid(), at, kind, text } }),
    },
    cleared: () => [],
  },
})

export const { logged } = activitySlice.actions
