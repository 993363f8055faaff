/**
 * The example's widgets: what the server's `WIDGET_UPDATE { id, value, version }` broadcasts
 * say, routed here by `createRealtime({ inbound: { WIDGET_UPDATE: widgetUpdated } })`.
 *
 * This is the small hand-written slice the example uses until the package's `collections` (with
 * optimistic ops, conflicts and the outbox) replace it.
 */
import { createAction, createSlice } from '@reduxjs/toolkit'
import type { InboundAction } from 'rtk-realtime'

/** The `data` of a `WIDGET_UPDATE` broadcast. */
export interface WidgetUpdate {
  id: string
  value: number
  version: number
}

/** One widget as the dashboard shows it. */
export interface Widget extends WidgetUpdate {
  /** When the last update arrived (ms since epoch), from the inbound action's `meta.realtime`. */
  updatedAt: number
  /** The last values, oldest first, for the sparkline. */
  history: number[]
}

export interface WidgetsState {
  byId: Record<string, Widget>
  /** Updates dropped because their version was not newer than the one held. */
  stale: number
}

/** How many values a widget's sparkline keeps. */
export const HISTORY_LENGTH = 40

/** The action `WIDGET_UPDATE` frames become; its payload is the frame's `data`. */
export const widgetUpdated = createAction<WidgetUpdate>('widgets/updated')

/** Validator for the inbound route: a frame that fails it becomes `messageRejected`, never state. */
export function validateWidgetUpdate(data: unknown): true | string {
  const d = data as Partial<WidgetUpdate> | null
  if (d === null || typeof d !== 'object') return 'expected an object'
  if (typeof d.id !== 'string' || d.id === '') return 'id must be a non-empty string'
  if (typeof d.value !== 'number' || !Number.isFinite(d.value)) return 'value must be a finite number'
  if (typeof d.version !== 'number' || !Number.isInteger(d.version)) return 'version must be an integer'
  return true
}

const initialState: WidgetsState = { byId: {}, stale: 0 }

export const widgetsSlice = createSlice({
  name: 'widgets',
  initialState,
  reducers: {},
  extraReducers: (builder) => {
    builder.addCase(widgetUpdated, (state, action) => {
      const { id, value, version } = action.payload
      const receivedAt = (action as unknown as InboundAction).meta?.realtime?.receivedAt ?? 0
      const held = state.byId[id]
      if (!held) {
        state.byId[id] = { id, value, version, updatedAt: receivedAt, history: [value] }
        return
      }
      // Server truth only moves forward: a duplicate or reordered update is ignored.
      if (version <= held.version) {
        state.stale += 1
        return
      }
      held.value = value
      held.version = version
      held.updatedAt = receivedAt
      held.history.push(value)
      if (held.history.length > HISTORY_LENGTH) held.history.splice(0, held.history.length - HISTORY_LENGTH)
    })
  },
  selectors: {
    selectStaleCount: (state) => state.stale,
  },
})
