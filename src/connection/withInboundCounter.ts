import type { Reducer } from '@reduxjs/toolkit'
import { isInboundAction } from './connectionSlice'
import type { ConnectionState } from './types'

/**
 * Counts inbound messages without Immer. This runs once per inbound frame, where an Immer pass
 * costs more than decoding the frame; the other connection actions are rare and keep the slice.
 */
export function withInboundCounter(reducer: Reducer<ConnectionState>, reducerPath: string): Reducer<ConnectionState> {
  return (state, action) => {
    if (state !== undefined && isInboundAction(action, reducerPath)) {
      return { ...state, received: state.received + 1, lastMessageAt: action.meta.realtime.receivedAt }
    }
    return reducer(state, action)
  }
}
