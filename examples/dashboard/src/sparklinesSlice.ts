/**
 * The last confirmed values of every widget, for the cards' sparklines. The widgets themselves live
 * in the realtime layer's `widgets` collection; this slice only remembers what the collection
 * forgets (earlier values), by reacting to the package's `entitiesUpdated` batches and to its
 * sync results (`syncSucceeded`: the first load, what a reconnect missed) with `extraReducers`
 * ("your slices can react to every package action"). A snapshot's removals drop their series.
 *
 * Only server truth is drawn: optimistic values are not history until the server confirms them
 * (its broadcast of the change arrives as an update like any other).
 */
import { createSlice } from '@reduxjs/toolkit'
import type { EntityUpdate, OptimisticActions, SyncActions } from 'rtk-realtime'
import { isWidget, WIDGETS } from './widgets'

/** How many values a sparkline keeps. */
export const HISTORY_LENGTH = 40

/** One widget's series: the version of its last point, and the values, oldest first. */
export interface Series {
  version: number
  values: number[]
}

export type SparklinesState = Record<string, Series>

/** Adds the newer server versions among `updates` to their series. */
function record(state: SparklinesState, updates: readonly EntityUpdate[]): void {
  for (const update of updates) {
    if (update.collection !== WIDGETS) continue
    const held = state[update.key]
    if (held && update.version <= held.version) continue // only newer server versions
    // A raw update of the batch is untyped (any collection): checked, not cast.
    const value = isWidget(update.value) ? update.value.value : undefined
    if (update.deleted || value === undefined) {
      delete state[update.key]
      continue
    }
    if (!held) {
      state[update.key] = { version: update.version, values: [value] }
      continue
    }
    held.version = update.version
    held.values.push(value)
    if (held.values.length > HISTORY_LENGTH) held.values.splice(0, held.values.length - HISTORY_LENGTH)
  }
}

/** The slice, listening to `entitiesUpdated` and `syncSucceeded` (passed in: the store makes `realtime`). */
export function createSparklinesSlice(entitiesUpdated: OptimisticActions['entitiesUpdated'], syncSucceeded: SyncActions['syncSucceeded']) {
  return createSlice({
    name: 'sparklines',
    initialState: {} as SparklinesState,
    reducers: {},
    extraReducers: (builder) => {
      builder.addCase(entitiesUpdated, (state, action) => record(state, action.payload.updates))
      builder.addCase(syncSucceeded, (state, action) => {
        record(state, action.payload.updates)
        for (const removal of action.payload.removals) {
          const held = state[removal.key]
          if (removal.collection === WIDGETS && held && held.version <= removal.version) delete state[removal.key]
        }
      })
    },
  })
}
