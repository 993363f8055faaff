import { call, cancelled, put, race, select, take } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import type { Envelope } from '../protocol/envelope'
import { toRealtimeError, type RealtimeError } from '../world/serializeError'
import { sleep } from '../world/sleep'
import { openWebSocket, type WebSocketLike } from '../world/webSocket'
import type { ConnectionRuntime } from './runtime'
import { CLOSE_CONNECT_TIMEOUT, CLOSE_OFFLINE, OFFLINE_CLOSE_REASON } from './closeCodes'
import type { ConnectionHooks } from './connectionHooks'
import type { FrameHandler } from './frameHandler'
import type { PingLedger } from './pingLedger'
import { closeSocket, sessionSaga, type SessionEnd } from './sessionSaga'
import { createSocketChannel, type SocketEvent } from './socketChannel'
import type { CloseInfo } from './types'

/**
 * How one connection attempt ended: `failed` before opening (retry with backoff), `unavailable`
 * when there is no WebSocket implementation to open one with (retrying cannot help: a server-side
 * store, or Node without the `WebSocket` option), or how its open session ended. `offline` also
 * ends an attempt abandoned before opening because the environment went offline: that is no
 * failure, and must not use up the attempts.
 */
export type AttemptOutcome = SessionEnd | 'failed' | 'unavailable'

function isWebSocketUrl(url: unknown): url is string {
  return typeof url === 'string' && /^wss?:\/\//i.test(url)
}

/** The `lastError` of a store with no WebSocket implementation: what to pass, and where. */
function noWebSocketError(): RealtimeError {
  return {
    name: 'ConfigurationError',
    code: 'NO_WEBSOCKET',
    message:
      'rtk-realtime: no WebSocket implementation: this environment has no global WebSocket ' +
      "(Node 20 has none, nor does a server-side render). Pass one: createRealtime({ WebSocket }) with e.g. `import { WebSocket } from 'ws'`",
  }
}

function* fail(rt: ConnectionRuntime, attempt: number, error: RealtimeError, close?: CloseInfo): SagaIterator<'failed'> {
  yield put(rt.actions.connectFailed(close ? { attempt, error, close } : { attempt, error }))
  return 'failed'
}

/**
 * One attempt: resolve the URL, open a socket within `websocket.CONNECT_TIMEOUT`, flush the
 * send buffer, then run the session until it ends. Going offline before the socket opens
 * abandons the attempt (the `offline` action already set the status), so a socket that would
 * open anyway (to localhost) cannot turn the status back to `open` while the app is offline.
 */
export function* connectSaga(
  rt: ConnectionRuntime,
  attempt: number,
  hooks: ConnectionHooks,
  handlers: readonly FrameHandler[],
  pings: PingLedger,
): SagaIterator<AttemptOutcome> {
  const { actions } = rt
  const WebSocketImpl = rt.getWebSocket()
  if (!WebSocketImpl) {
    // Before `connecting`: the status stays where it was (`idle` on a server-side store), and the
    // reason is data in `lastError`, not a log line per store rendered on the server.
    yield put(actions.connectFailed({ attempt, error: noWebSocketError() }))
    return 'unavailable'
  }
  yield put(actions.connecting({ attempt }))

  let url: unknown
  try {
    const resolved = yield race({
      url: typeof rt.url === 'function' ? call(rt.url) : call(() => rt.url),
      user: take(actions.disconnect.type),
      offline: take(actions.offline.type),
    })
    if (resolved.user) return 'closedByUser'
    if (resolved.offline) return 'offline'
    url = resolved.url
  } catch (thrown) {
    const error = toRealtimeError(thrown, 'UrlError')
    return yield* fail(rt, attempt, { ...error, message: `rtk-realtime: the url option threw: ${error.message}` })
  }
  if (!isWebSocketUrl(url)) {
    return yield* fail(rt, attempt, {
      name: 'UrlError',
      code: 'INVALID_URL',
      message: `rtk-realtime: the url option must give a ws:// or wss:// URL, got ${JSON.stringify(url) ?? String(url)}`,
    })
  }

  let socket: WebSocketLike
  try {
    socket = openWebSocket(WebSocketImpl, url, rt.config.websocket.MAX_FRAME_BYTES)
  } catch (thrown) {
    return yield* fail(rt, attempt, toRealtimeError(thrown, 'WebSocketError'))
  }

  const channel = createSocketChannel(socket)
  let handedOver = false
  // Set when a branch below closed the socket with its own code; the cleanup must not overwrite it.
  let given = false
  const giveUp = (code: number, reason: string, abrupt = false) => {
    given = true
    closeSocket(socket, code, reason, abrupt)
  }
  try {
    for (;;) {
      const first = yield race({
        event: take(channel),
        timeout: call(sleep, rt.timers, rt.config.websocket.CONNECT_TIMEOUT),
        user: take(actions.disconnect.type),
        offline: take(actions.offline.type),
      })
      if (first.user) {
        giveUp(1000, 'closed by client')
        return 'closedByUser'
      }
      if (first.offline) {
        giveUp(CLOSE_OFFLINE, OFFLINE_CLOSE_REASON)
        return 'offline'
      }
      if (first.timeout) {
        giveUp(CLOSE_CONNECT_TIMEOUT, 'connect timeout', true)
        return yield* fail(rt, attempt, {
          name: 'ConnectTimeoutError',
          code: 'CONNECT_TIMEOUT',
          message: `rtk-realtime: the socket did not open within ${rt.config.websocket.CONNECT_TIMEOUT} ms (websocket.CONNECT_TIMEOUT)`,
        })
      }
      const event: SocketEvent = first.event
      if (event.kind === 'error') continue // a close event follows and says more
      if (event.kind === 'close') {
        const close: CloseInfo = { code: event.code, reason: event.reason, wasClean: event.wasClean }
        return yield* fail(
          rt,
          attempt,
          {
            name: 'ConnectError',
            code: 'CLOSED_BEFORE_OPEN',
            message: `rtk-realtime: the socket closed before opening (code ${close.code}${close.reason ? `: ${close.reason}` : ''})`,
          },
          close,
        )
      }
      if (event.kind === 'open') break
    }

    // Lent to the port before `opened`, so whoever reacts to `opened` can write at once.
    hooks.port.attach(socket)
    // Flush before `opened` is reduced: until then the reducer keeps buffering new sends, so
    // the buffer we write is complete and goes out ahead of anything sent afterwards.
    const buffered: Envelope[] = rt.selectConnection(yield select()).buffer
    for (const message of buffered) socket.send(rt.codec.encode(message))
    yield put(actions.opened({ at: rt.timers.now(), flushed: buffered.length }))
    handedOver = true
    return yield call(sessionSaga, rt, socket, channel, hooks, handlers, pings)
  } finally {
    hooks.port.detach()
    channel.close()
    // Failed before the session, or cancelled with the root saga: don't leave a socket behind.
    if (!given && (!handedOver || (yield cancelled()))) closeSocket(socket, 1000, 'closed by client')
  }
}
