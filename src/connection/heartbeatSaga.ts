import { call, put, race, take } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import type { Action } from '@reduxjs/toolkit'
import { sleep } from '../world/sleep'
import type { PingLedger } from './pingLedger'
import type { ConnectionRuntime } from './runtime'

/** A promise that never settles: the branch of a race that must never win. */
export const never = (): Promise<never> => new Promise<never>(() => {})

/**
 * PINGs on open and then every `websocket.HEARTBEAT_INTERVAL` after the answer, and returns (with
 * the reason) when no PONG answers within `websocket.PONG_TIMEOUT`: the socket is then half-open
 * and must be replaced. A liveness trigger (wake from sleep, tab visible again, coming online)
 * PINGs at once, also while a PING is still waiting: the network just changed, so an answer to the
 * older PING would measure the outage, not the link. Only the newest PING's answer counts (see
 * {@link PingLedger}); the deadline stays that of the first unanswered PING, so triggers cannot
 * keep a silent socket alive.
 */
export function* heartbeatSaga(rt: ConnectionRuntime, send: (text: string) => void, pings: PingLedger): SagaIterator<string> {
  const { HEARTBEAT_INTERVAL: interval, PONG_TIMEOUT: pongTimeout } = rt.config.websocket
  if (interval <= 0) return yield call(never)
  const { actions, timers } = rt
  // Matched against every dispatched action while open: keep it to a Set lookup. Going offline
  // is no trigger: it ends the session (see sessionSaga).
  const triggers = new Set<string>([actions.livenessCheck.type, actions.online.type])
  const isTrigger = (action: Action) =>
    triggers.has(action.type) || (actions.visibilityChanged.match(action) && action.payload.visible)
  const ping = () => {
    const ts = timers.now()
    pings.sent(ts)
    send(rt.codec.encode({ type: 'PING', data: { ts } }))
  }

  try {
    // The first PING goes out at once: it proves the new socket works and gives a latency now.
    for (let first = true; ; first = false) {
      if (!first) yield race({ tick: call(sleep, timers, interval), trigger: take(isTrigger) })
      ping()
      const deadline = timers.now() + pongTimeout
      for (;;) {
        const answer = yield race({
          pong: take(actions.pongReceived.type),
          timeout: call(sleep, timers, Math.max(0, deadline - timers.now())),
          trigger: take(isTrigger),
        })
        if (answer.timeout) return `heartbeat timeout: no PONG within ${pongTimeout} ms (websocket.PONG_TIMEOUT)`
        if (answer.pong) break
        ping()
      }
    }
  } finally {
    // The socket this heartbeat beat for is gone: a PONG arriving later answers nothing.
    pings.clear()
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
