import { call, put, race, select, take, takeEvery } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import type { Action, PayloadAction } from '@reduxjs/toolkit'
import { sleep } from '../world/sleep'
import { bufferOverflow, type RequestStartedPayload } from './connectionSlice'
import type { ConnectionRuntime } from './runtime'

function* awaitReply(rt: ConnectionRuntime, action: PayloadAction<RequestStartedPayload>): SagaIterator<void> {
  const { actions } = rt
  const { requestId, message, timeoutMs } = action.payload
  const pending = rt.selectConnection(yield select()).requests[requestId]
  if (!pending) {
    // The reducer could not buffer it: the send buffer is full.
    yield put(actions.requestFailed({ requestId, error: bufferOverflow(rt.config.websocket.MAX_BUFFERED_SENDS, message.type) }))
    return
  }
  const settled = (a: Action) =>
    (actions.requestSucceeded.match(a) || actions.requestFailed.match(a)) && a.payload.requestId === requestId
  const outcome = yield race({ settled: take(settled), timeout: call(sleep, rt.timers, timeoutMs) })
  if (outcome.timeout) {
    yield put(
      actions.requestFailed({
        requestId,
        error: {
          name: 'TimeoutError',
          code: 'REQUEST_TIMEOUT',
          message: `rtk-realtime: request "${message.type}" (${requestId}) got no reply within ${timeoutMs} ms`,
        },
      }),
    )
  }
}

/** Gives every request a deadline; the reply itself is matched in the read loop. */
export function* requestSaga(rt: ConnectionRuntime): SagaIterator<void> {
  yield takeEvery(rt.actions.requestStarted.type, awaitReply, rt)
}
