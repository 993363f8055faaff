import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import type { Envelope } from '../protocol/envelope'
import type { RealtimeError } from '../world/serializeError'
import type { CloseInfo, ConnectionState, MessageRejection, SendRefusal } from './types'

/** The connection state before anything happened. */
function initialConnectionState(): ConnectionState {
  return {
    status: 'idle',
    attempt: 0,
    nextRetryAt: null,
    lastClose: null,
    lastError: null,
    latencyMs: null,
    lastMessageAt: null,
    openedAt: null,
    online: true,
    visible: true,
    buffer: [],
    requests: {},
    received: 0,
    rejected: 0,
    lastRejection: null,
  }
}

/** What the connection reducer needs to know from the config; data only. */
export interface ConnectionSliceOptions {
  reducerPath: string
  maxBufferedSends: number
}

/** Payload of `requestStarted`: the request frame and its deadline. */
export interface RequestStartedPayload {
  requestId: string
  message: Envelope
  timeoutMs: number
  startedAt: number
}

/** Payload of `requestSucceeded`. */
export interface RequestSucceededPayload {
  requestId: string
  reply: Envelope
}

/** Payload of `requestFailed`. */
export interface RequestFailedPayload {
  requestId: string
  error: RealtimeError
}

/** The error of a send the buffer refused; `lastError` and the `sendRefused` action carry it. */
export function bufferOverflow(max: number, type: string): RealtimeError {
  return {
    name: 'BufferOverflowError',
    code: 'BUFFER_FULL',
    message:
      `rtk-realtime: send("${type}") refused: ${max} messages are already waiting for the socket ` +
      `to open (config websocket.MAX_BUFFERED_SENDS = ${max})`,
  }
}

/**
 * Whether a frame is refused: it would go to the buffer (the socket is not open, or the saga
 * requeued it) and the buffer is full. The reducer decides with it, and the middleware (which
 * reports each refusal as `sendRefused`) asks it about the state before the action: one rule.
 */
export function refusesFrame(state: ConnectionState, maxBufferedSends: number, requeued: boolean): boolean {
  return goesToBuffer(state, requeued) && state.buffer.length >= maxBufferedSends
}

/** A frame waits in the buffer while the socket is not open, or when the saga requeued it. */
const goesToBuffer = (state: ConnectionState, requeued: boolean): boolean => requeued || state.status !== 'open'

/**
 * The `connection` sub-slice. Reducers only record what the socket saga reports and buffer
 * sends made while the socket is not open; they never touch the socket.
 */
export function createConnectionSlice({ reducerPath, maxBufferedSends }: ConnectionSliceOptions) {
  // Buffers a frame unless the socket is open (the saga writes it) or it is refused; returns
  // false (with the error recorded) when refused.
  const enqueue = (state: ConnectionState, message: Envelope, requeued = false): boolean => {
    if (refusesFrame(state, maxBufferedSends, requeued)) {
      state.lastError = bufferOverflow(maxBufferedSends, message.type)
      return false
    }
    if (goesToBuffer(state, requeued)) state.buffer.push(message)
    return true
  }

  return createSlice({
    name: `${reducerPath}/connection`,
    initialState: initialConnectionState,
    reducers: {
      /** Start connecting (needed when `websocket.AUTO_CONNECT` is off), or retry now after `failed`. */
      connect() {},
      /** Close the socket cleanly; no reconnect follows until `connect()`. */
      disconnect(state) {
        state.status = 'closed'
        state.attempt = 0
        state.nextRetryAt = null
      },
      /** Send one message; buffered in order while the socket is not open. */
      send: {
        reducer(state, action: PayloadAction<Envelope>) {
          enqueue(state, action.payload)
        },
        prepare(type: string, data?: unknown) {
          return { payload: data === undefined ? { type } : { type, data } }
        },
      },
      /**
       * A frame the buffer refused (`send`, a request, or a requeued send while the buffer was
       * full); `lastError` already says so. One per refusal, so an app can tell the user which.
       */
      sendRefused(_state, _action: PayloadAction<SendRefusal>) {},
      /** The saga found the socket not open for a send the reducer let through: hold it. */
      sendRequeued(state, action: PayloadAction<Envelope>) {
        enqueue(state, action.payload, true)
      },
      connecting(state, action: PayloadAction<{ attempt: number }>) {
        state.status = action.payload.attempt === 0 ? 'connecting' : 'reconnecting'
        state.attempt = action.payload.attempt
        state.nextRetryAt = null
      },
      /**
       * The socket opened; `flushed` buffered messages were written to it first, in order. The
       * failures before it (a full buffer, failed attempts) are over: `lastError` is cleared.
       */
      opened(state, action: PayloadAction<{ at: number; flushed: number }>) {
        state.status = 'open'
        state.lastError = null
        state.attempt = 0
        state.nextRetryAt = null
        state.openedAt = action.payload.at
        state.buffer.splice(0, action.payload.flushed)
      },
      closed(state, action: PayloadAction<{ close: CloseInfo; byUser: boolean }>) {
        state.status = action.payload.byUser ? 'closed' : state.online ? 'reconnecting' : 'offline'
        state.lastClose = action.payload.close
        state.openedAt = null
      },
      /** One attempt failed before the socket opened. */
      connectFailed(state, action: PayloadAction<{ attempt: number; error: RealtimeError; close?: CloseInfo }>) {
        state.lastError = action.payload.error
        if (action.payload.close) state.lastClose = action.payload.close
      },
      reconnectScheduled(
        state,
        action: PayloadAction<{ attempt: number; delayMs: number; nextRetryAt: number }>,
      ) {
        state.status = state.online ? 'reconnecting' : 'offline'
        state.attempt = action.payload.attempt
        state.nextRetryAt = action.payload.nextRetryAt
      },
      /** The last reconnect attempt failed; waiting for `connect()` or `online()`. */
      gaveUp(state, action: PayloadAction<{ attempts: number }>) {
        state.status = 'failed'
        state.attempt = action.payload.attempts
        state.nextRetryAt = null
      },
      socketError(state, action: PayloadAction<RealtimeError>) {
        state.lastError = action.payload
      },
      /** Generic action for a well-formed frame of a type nobody registered. */
      messageReceived: {
        reducer() {},
        prepare(message: Envelope, receivedAt: number) {
          return { payload: message, meta: inboundMeta(reducerPath, message, receivedAt) }
        },
      },
      messageRejected(state, action: PayloadAction<MessageRejection>) {
        state.rejected += 1
        state.lastRejection = action.payload
      },
      pongReceived(state, action: PayloadAction<{ sentAt: number; receivedAt: number }>) {
        state.latencyMs = Math.max(0, action.payload.receivedAt - action.payload.sentAt)
      },
      /** Ask the heartbeat to PING now (woken from sleep, tab visible again, network change). */
      livenessCheck(_state, _action: PayloadAction<{ reason: string; gapMs?: number }>) {},
      requestStarted(state, action: PayloadAction<RequestStartedPayload>) {
        const { requestId, message, timeoutMs, startedAt } = action.payload
        if (!enqueue(state, message)) return
        state.requests[requestId] = { type: message.type, startedAt, timeoutMs }
      },
      requestSucceeded(state, action: PayloadAction<RequestSucceededPayload>) {
        delete state.requests[action.payload.requestId]
      },
      requestFailed(state, action: PayloadAction<RequestFailedPayload>) {
        const { requestId } = action.payload
        delete state.requests[requestId]
        // The caller was told it failed: a request still waiting for the socket must not go out later.
        const index = state.buffer.findIndex((message) => message.id === requestId)
        if (index !== -1) state.buffer.splice(index, 1)
      },
      online(state) {
        state.online = true
        if (state.status === 'offline') state.status = 'reconnecting'
      },
      /**
       * The environment reports no network. An open or opening socket is given up by the saga
       * (its `closed` says so), so the status is `offline` at once: sends are buffered from here.
       */
      offline(state) {
        state.online = false
        if (state.status === 'open' || state.status === 'connecting' || state.status === 'reconnecting' || state.status === 'failed') {
          state.status = 'offline'
          state.nextRetryAt = null
        }
      },
      visibilityChanged(state, action: PayloadAction<{ visible: boolean }>) {
        state.visible = action.payload.visible
      },
    },
    extraReducers: (builder) => {
      // A batch of entity updates stands for `received` frames.
      builder.addMatcher(
        (action): action is PayloadAction<{ received?: number; at: number }> =>
          action.type === `${reducerPath}/collections/entitiesUpdated`,
        (state, action) => {
          state.received += action.payload.received ?? 0
          state.lastMessageAt = action.payload.at
        },
      )
    },
  })
}

/** Where an inbound action came from: attached as `meta.realtime` to every action made from a frame. */
export interface InboundMeta {
  /** The `reducerPath` of the instance that received it. */
  source: string
  /** The wire type of the frame (a routed action's own type says nothing about it). */
  type: string
  receivedAt: number
  seq?: number
  id?: string
  replyTo?: string
  ts?: number
}

/** An action made from an inbound frame, by the generic route or a registered one. */
export type InboundAction<P = unknown> = {
  type: string
  payload: P
  meta: { realtime: InboundMeta }
}

/** Builds the `meta` of an inbound action; copies only the envelope's scalar fields. */
export function inboundMeta(source: string, message: Envelope, receivedAt: number) {
  const realtime: InboundMeta = { source, type: message.type, receivedAt }
  if (message.seq !== undefined) realtime.seq = message.seq
  if (message.id !== undefined) realtime.id = message.id
  if (message.replyTo !== undefined) realtime.replyTo = message.replyTo
  if (message.ts !== undefined) realtime.ts = message.ts
  return { realtime }
}

/** True for actions made from an inbound frame by the instance at `reducerPath`. */
export function isInboundAction(action: unknown, reducerPath: string): action is InboundAction {
  const meta = (action as { meta?: { realtime?: InboundMeta } }).meta
  return meta?.realtime?.source === reducerPath
}

/** The action creators of the connection slice. */
export type ConnectionActions = ReturnType<typeof createConnectionSlice>['actions']
