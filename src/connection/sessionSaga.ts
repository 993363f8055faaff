import { call, put, race, select, take } from 'redux-saga/effects'
import type { UnknownAction } from '@reduxjs/toolkit'
import type { EventChannel, SagaIterator } from 'redux-saga'
import { SOCKET_OPEN, type WebSocketLike } from '../world/webSocket'
import { CLOSE_HEARTBEAT_TIMEOUT, CLOSE_OFFLINE, OFFLINE_CLOSE_REASON } from './closeCodes'
import type { ConnectionHooks } from './connectionHooks'
import type { FrameHandler } from './frameHandler'
import { handleFrame } from './handleFrame'
import { heartbeatSaga, wakeDetectorSaga } from './heartbeatSaga'
import type { PingLedger } from './pingLedger'
import type { ConnectionRuntime } from './runtime'
import type { SocketEvent } from './socketChannel'
import { socketErrorActions } from './socketErrors'
import type { CloseInfo } from './types'

/**
 * How an open session ended: the socket dropped (or the heartbeat declared it dead), the user
 * disconnected, or the environment went offline and the session gave the socket up.
 */
export type SessionEnd = 'dropped' | 'closedByUser' | 'offline'

/** How the read loop ended: the socket closed, or (`abandon`) it must be dropped now. */
type ReadEnd = CloseInfo & { abandon?: true }

function* readLoop(
  rt: ConnectionRuntime,
  channel: EventChannel<SocketEvent>,
  send: (text: string) => void,
  handlers: readonly FrameHandler[],
  hooks: ConnectionHooks,
): SagaIterator<ReadEnd> {
  // Run by our own middleware: dispatch straight into the store, one call per frame.
  const direct = hooks.store ? { ...hooks.store, send } : undefined
  for (;;) {
    const event: SocketEvent = yield take(channel)
    switch (event.kind) {
      case 'message':
      case 'messages': {
        const frames = event.kind === 'message' ? [event.data] : event.frames
        if (direct) {
          const receivedAt = rt.timers.now()
          for (const frame of frames) handleFrame(rt, frame, handlers, direct, receivedAt)
        } else {
          // Forked from the user's root saga: the store is only reachable through effects.
          for (const frame of frames) {
            const state: unknown = yield select()
            const out: UnknownAction[] = []
            handleFrame(rt, frame, handlers, { dispatch: (a) => out.push(a), getState: () => state, send })
            for (const action of out) yield put(action)
          }
        }
        break
      }
      case 'close':
        return { code: event.code, reason: event.reason, wasClean: event.wasClean }
      case 'error': {
        const outcome = socketErrorActions(rt, event, rt.timers.now())
        for (const action of outcome.actions) yield put(action)
        if (outcome.close) return { ...outcome.close, abandon: true }
        break
      }
    }
  }
}

function* writeLoop(rt: ConnectionRuntime, socket: WebSocketLike): SagaIterator<never> {
  const { send, requestStarted, sendRequeued } = rt.actions
  for (;;) {
    const action = yield take([send.type, requestStarted.type])
    const message = send.match(action) ? action.payload : requestStarted.match(action) ? action.payload.message : null
    if (!message) continue
    // The reducer saw `open`, but the socket may already be closing; hold the message for the next one.
    if (socket.readyState === SOCKET_OPEN) socket.send(rt.codec.encode(message))
    else yield put(sendRequeued(message))
  }
}

/** Closes a socket we are done with; a socket that is already gone must not throw at us. */
export function closeSocket(socket: WebSocketLike, code: number, reason: string, abrupt = false): void {
  try {
    socket.close(code, reason)
  } catch {
    // already closed or closing
  }
  // A half-open TCP connection never completes the close handshake; `ws` can drop it at once.
  if (abrupt) (socket as { terminate?: () => void }).terminate?.()
}

/**
 * Runs while the socket is open: reads frames into actions through the inbound chain, writes
 * sends, beats the heart. Ends when the socket closes, the heartbeat declares it dead, the user
 * disconnects, or the environment goes offline. Going offline closes the socket even when it
 * still seems open (the browser's `offline` event, or Chromium's offline emulation, can leave a
 * socket to localhost up): the status must say what the app is told, and a socket kept through an
 * outage only answers once the outage is over.
 */
export function* sessionSaga(
  rt: ConnectionRuntime,
  socket: WebSocketLike,
  channel: EventChannel<SocketEvent>,
  hooks: ConnectionHooks,
  handlers: readonly FrameHandler[],
  pings: PingLedger,
): SagaIterator<SessionEnd> {
  const { actions } = rt
  const send = (text: string) => {
    if (socket.readyState === SOCKET_OPEN) socket.send(text)
  }
  const ended = yield race({
    close: call(readLoop, rt, channel, send, handlers, hooks),
    dead: call(heartbeatSaga, rt, send, pings),
    user: take(actions.disconnect.type),
    offline: take(actions.offline.type),
    writer: call(writeLoop, rt, socket),
    wake: call(wakeDetectorSaga, rt),
  })
  hooks.onSessionEnd()
  if (ended.close) {
    const { abandon, ...close } = ended.close as ReadEnd
    // The socket is closing on our side and its close event would come late or say less.
    if (abandon) closeSocket(socket, close.code, close.reason, true)
    yield put(actions.closed({ close, byUser: false }))
    return 'dropped'
  }
  if (ended.dead) {
    closeSocket(socket, CLOSE_HEARTBEAT_TIMEOUT, 'heartbeat timeout', true)
    yield put(actions.closed({ close: { code: CLOSE_HEARTBEAT_TIMEOUT, reason: ended.dead, wasClean: false }, byUser: false }))
    return 'dropped'
  }
  if (ended.offline) {
    // Not abrupt: where the network still carries frames, the server learns why we left. We do
    // not wait for its answer, so the close is not reported as clean.
    closeSocket(socket, CLOSE_OFFLINE, OFFLINE_CLOSE_REASON)
    yield put(actions.closed({ close: { code: CLOSE_OFFLINE, reason: OFFLINE_CLOSE_REASON, wasClean: false }, byUser: false }))
    return 'offline'
  }
  closeSocket(socket, 1000, 'closed by client')
  yield put(actions.closed({ close: { code: 1000, reason: 'closed by client', wasClean: true }, byUser: true }))
  return 'closedByUser'
}
