import { call, put, race, select, take } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import { sleep } from '../world/sleep'
import { backoffDelay } from './backoff'
import { connectSaga, type AttemptOutcome } from './connectSaga'
import type { ConnectionRuntime } from './runtime'
import type { ConnectionHooks } from './connectionHooks'
import { createHeartbeatFrameHandler } from './heartbeatFrames'
import { createPingLedger } from './pingLedger'
import { createRequestReplyHandler } from './requestReplies'

/**
 * The connection's whole life: connect, and after every drop or failed attempt wait out an
 * exponential backoff and try again, up to `websocket.RECONNECT_ATTEMPTS` times in a row. Then
 * `failed` until `connect()` or `online()`. A `disconnect()` stops everything until `connect()`.
 * Going offline gives up the socket (open or opening) and waits for `online()` (or `connect()`),
 * which starts a fresh series of attempts at once. Without a WebSocket implementation (a store
 * rendered on the server) nothing is attempted: the status stays, `lastError` says why.
 */
export function* connectionSaga(rt: ConnectionRuntime, hooks: ConnectionHooks): SagaIterator<void> {
  const { actions, config } = rt
  const ws = config.websocket
  if (!config.features.ENABLE_WEBSOCKET) {
    rt.logger.info('rtk-realtime: features.ENABLE_WEBSOCKET is off; no socket will be opened')
    return
  }
  if (!ws.AUTO_CONNECT) yield take(actions.connect.type)
  // Request replies come before the parts' links: their `replyTo` is checked with one lookup.
  // Shared by each session's heartbeat (which PING waits) and the PONG link (does this answer it).
  const pings = createPingLedger()
  const handlers = [createHeartbeatFrameHandler(rt, pings), createRequestReplyHandler(rt), ...hooks.frameHandlers]

  // Offline from the start (the environment said so at install): no attempt until the network is back.
  if (!rt.selectConnection(yield select()).online) yield* waitForNetwork(rt)
  let failures = 0
  for (;;) {
    const outcome: AttemptOutcome = yield call(connectSaga, rt, failures, hooks, handlers, pings)
    // 'unavailable': nothing to open a socket with (a server-side store): no retries, no backoff
    // timers, no log; `lastError` says why, and `connect()` looks for a WebSocket again.
    if (outcome === 'closedByUser' || outcome === 'unavailable') {
      failures = 0
      yield take(actions.connect.type)
      continue
    }
    if (outcome === 'offline') {
      // Not a failure: the network went away. Nothing to count, nothing to back off from.
      if (!rt.selectConnection(yield select()).online) yield* waitForNetwork(rt)
      failures = 0
      continue
    }
    // A session that was open and dropped starts a fresh series of attempts.
    failures = outcome === 'dropped' ? 1 : failures + 1

    if (failures > ws.RECONNECT_ATTEMPTS) {
      yield put(actions.gaveUp({ attempts: Math.max(0, failures - 1) }))
      const woken = yield race({
        connect: take(actions.connect.type),
        online: take(actions.online.type),
        user: take(actions.disconnect.type),
      })
      if (woken.user) yield take(actions.connect.type)
      failures = 0
      continue
    }

    if (!rt.selectConnection(yield select()).online) {
      yield* waitForNetwork(rt)
      failures = 0
      continue
    }

    const delayMs = backoffDelay({
      attempt: failures,
      baseDelay: ws.RECONNECT_DELAY,
      maxDelay: ws.RECONNECT_MAX_DELAY,
      jitter: ws.RECONNECT_JITTER,
      random: rt.random,
    })
    yield put(actions.reconnectScheduled({ attempt: failures, delayMs, nextRetryAt: rt.timers.now() + delayMs }))
    const woken = yield race({
      timer: call(sleep, rt.timers, delayMs),
      connect: take(actions.connect.type),
      online: take(actions.online.type),
      offline: take(actions.offline.type),
      user: take(actions.disconnect.type),
    })
    if (woken.offline) {
      yield* waitForNetwork(rt)
      failures = 0
    } else if (woken.user) {
      yield take(actions.connect.type)
      failures = 0
    } else if (woken.online || woken.connect) {
      failures = 0
    }
  }
}

// No network: attempts would only burn the budget. Wait for it to come back (or for the user).
function* waitForNetwork(rt: ConnectionRuntime): SagaIterator<void> {
  const { actions } = rt
  const back = yield race({
    online: take(actions.online.type),
    connect: take(actions.connect.type),
    user: take(actions.disconnect.type),
  })
  if (back.user) yield take(actions.connect.type)
}
