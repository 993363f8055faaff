import type { UnknownAction } from '@reduxjs/toolkit'
import type { MiddlewareHandlerBuilder } from '../middleware/middlewareHandler'
import type { Envelope } from '../protocol/envelope'
import { bufferOverflow, refusesFrame, type ConnectionActions } from './connectionSlice'
import type { ConnectionState } from './types'

interface SendRefusalsOptions {
  actions: ConnectionActions
  selectConnection: (rootState: unknown) => ConnectionState
  maxBufferedSends: number
  now: () => number
}

/**
 * Reports every frame the send buffer refused as a `sendRefused` action, right after the action
 * that brought it: `lastError` only keeps the last refusal, and a burst of refused sends would
 * otherwise leave one trace. The reducer stays the one that decides (with `refusesFrame`, asked
 * here about the state before the action); the clock is read here, not in the reducer.
 */
export const buildSendRefusals =
  ({ actions, selectConnection, maxBufferedSends, now }: SendRefusalsOptions): MiddlewareHandlerBuilder =>
  () => ({
    types: [actions.send.type, actions.requestStarted.type, actions.sendRequeued.type],
    after(action, api, stateBefore) {
      const refused = refusedFrame(actions, action, selectConnection(stateBefore), maxBufferedSends)
      if (!refused) return
      const { message, requestId } = refused
      api.dispatch(
        actions.sendRefused({
          type: message.type,
          code: 'BUFFER_FULL',
          reason: bufferOverflow(maxBufferedSends, message.type).message,
          ...(requestId === undefined ? {} : { requestId }),
          at: now(),
        }),
      )
    },
  })

function refusedFrame(
  actions: ConnectionActions,
  action: UnknownAction,
  before: ConnectionState,
  max: number,
): { message: Envelope; requestId?: string } | undefined {
  if (actions.send.match(action)) return refusesFrame(before, max, false) ? { message: action.payload } : undefined
  if (actions.sendRequeued.match(action)) return refusesFrame(before, max, true) ? { message: action.payload } : undefined
  if (actions.requestStarted.match(action)) {
    const { message, requestId } = action.payload
    return refusesFrame(before, max, false) ? { message, requestId } : undefined
  }
  return undefined
}
