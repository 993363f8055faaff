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
      if (!refusesFrame(selectConnection(stateBefore), maxBufferedSends, action.type === actions.sendRequeued.type)) return
      // A request's payload holds its frame and id; a send's payload is the frame itself.
      const payload = (action as unknown as { payload: Envelope & { message?: Envelope; requestId?: string } }).payload
      const { type } = payload.message ?? payload
      const { requestId } = payload
      const reason = bufferOverflow(maxBufferedSends, type).message
      api.dispatch(actions.sendRefused({ type, code: 'BUFFER_FULL', reason, ...(requestId === undefined ? {} : { requestId }), at: now() }))
    },
  })
