import { call, put, race, take } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import type { Action } from '@reduxjs/toolkit'
import { sleep } from '../world/sleep'
import type { ConnectionRuntime } from './runtime'

/** A promise that never settles: the branch of a race that must never win. */
export const never = (): Promise<never> => new Promise<never>(() => {})

/**
 * PINGs on open and then every `websocket.HEARTBEAT_INTERVAL`, and returns (with the reason) when a PONG does not
 * come back within `websocket.PONG_TIMEOUT`: the socket is then half-open and must be replaced.
 * A liveness trigger (wake from sleep, tab visible again, coming online) PINGs at once.
 */
export function* heartbeatSaga(rt: ConnectionRuntime, send: (text: string) => void): SagaIterator<string> {
  const { HEARTBEAT_INTERVAL: interval, PONG_TIMEOUT: pongTimeout } = rt.config.websocket
  if (interval <= 0) return yield call(never)
  const { actions } = rt
  // Matched against every dispatched action while open: keep it to a Set lookup. Going offline
  // is no trigger: it ends the session (see sessionSaga).
  const triggers = new Set<string>([actions.livenessCheck.type, actions.online.type])
  const isTrigger = (action: Action) =>
    triggers.has(action.type) || (actions.visibilityChanged.match(action) && action.payload.visible)

  // The first PING goes out at once: it proves the new socket works and gives a latency now.
  for (let first = true; ; first = false) {
    if (!first) yield race({ tick: call(sleep, rt.timers, interval), trigger: take(isTrigger) })
    send(rt.codec.encode({ type: 'PING', data: { ts: rt.timers.now() } }))
    const answer = yield race({
      pong: take(actions.pongReceived.type),
      timeout: call(sleep, rt.timers, pongTimeout),
    })
    if (answer.timeout) {
      return `heartbeat timeout: no PONG within ${pongTimeout} ms (websocket.PONG_TIMEOUT)`
    }
  }
}

/**
 * Ticks every `websocket.WAKE_CHECK_INTERVAL` and compares the wall clock: a gap of more than two
 * periods means the machine slept (timers stop, `Date.now()` does not), so a liveness check is
 * due before the next heartbeat.
 */
export function* wakeDetectorSaga(rt: ConnectionRuntime): SagaIterator<void> {
  const period = rt.config.websocket.WAKE_CHECK_INTERVAL
  if (period <= 0) return yield call(never)
  let last = rt.timers.now()
  for (;;) {
    yield call(sleep, rt.timers, period)
    const now = rt.timers.now()
    const gapMs = now - last
    last = now
    if (gapMs > 2 * period) yield put(rt.actions.livenessCheck({ reason: 'wake', gapMs }))
  }
}
