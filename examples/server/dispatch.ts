/**
 * Routing of one client frame: PING, CONTROL, requests, and ops (messages with an id answered by
 * ACK/NACK): a registered message handler, else an entity op, else a generic `{ received: true }`
 * ACK. The server wiring supplies the state through {@link DispatchDeps}.
 */
import type { RawData, WebSocket } from 'ws'
import type { AnsweredIds } from './answeredIds'
import { handleControl } from './control'
import { applyEntityOp } from './entityMessages'
import type { FaultyReplier } from './faults'
import { answerOp, type OpOutcome } from './ops'
import { answering, checkClientMessage, decodeClientFrame, errorFrame, nackFrame, pongFrame, reasonOf, replyFrame, type FrameRules } from './protocol'
import type { TokenBucket } from './tokenBucket'
import type { AnyReferenceServer, HandlerContext, IdentifiedMessage, ReceivedMessage, WireMessage } from './types'
import type { WidgetCaps } from './widgetCaps'
import { isWidgetId, type WidgetChange, type WidgetStore } from './widgets'

/** What the dispatcher needs from the server. */
export interface DispatchDeps {
  readonly server: AnyReferenceServer
  readonly allowControl: boolean
  readonly answered: AnsweredIds
  readonly replier: FaultyReplier
  /** The authoritative widgets that entity ops change. */
  readonly store: WidgetStore
  /** Depth, forbidden keys and id length rules of every client frame. */
  readonly frameRules: FrameRules
  /** Most messages in one client BATCH frame. */
  readonly maxBatchMessages: number
  /** Caps an entity op must fit. */
  readonly caps?: WidgetCaps
  /** Who is on `socket` (the user the upgrade authenticated) and its rate limit. */
  connection(socket: WebSocket): ClientConnection
  /** Records one application of an op (see {@link OpDeps.onApplied}). */
  onApplied(opId: string): void
  /** Records that a client op for widget `id` arrived now. */
  noteOp(id: string): void
  /** Broadcasts a widget change caused by op `opId`. */
  announce(change: WidgetChange, opId: string): void
  /** Keeps `entry` in `server.received`, charged `bytes`. */
  record(entry: ReceivedMessage, bytes: number): void
  log(line: string): void
  /**
   * Takes over an op whose answer needs I/O (the shared state in Redis): returns its promise, or
   * undefined to leave the op to the synchronous path. Absent: every op is synchronous.
   */
  asyncOp?(socket: WebSocket, op: IdentifiedMessage, context: HandlerContext): Promise<void> | undefined
}

/** What the server knows of one client socket. */
export interface ClientConnection {
  /** The user id `authenticate` returned for this socket (undefined without an `authenticate` hook). */
  readonly userId?: string
  /** Its rate limit: one token per message other than PING. */
  readonly bucket: TokenBucket
}

/** The reason of a message refused by the rate limit. */
export const RATE_LIMITED = 'rate_limited'

function frameBytes(raw: RawData): number {
  if (Array.isArray(raw)) return raw.reduce((sum, part) => sum + part.length, 0)
  return raw instanceof ArrayBuffer ? raw.byteLength : raw.length
}

/**
 * Runs `steps` in order: synchronously while they return nothing, then each after the promise of
 * the one before (an op answered through I/O). Returns a promise only when a step returned one.
 */
function inOrder(steps: readonly (() => void | Promise<void>)[], from = 0): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    const pending = steps[i]!()
    if (pending) return pending.then(() => inOrder(steps, i + 1))
  }
}

/**
 * Handles one raw client frame. Never throws: a message whose handling throws is answered with
 * an ERROR (or its op with a NACK) and the next one is handled as usual. Returns a promise when an
 * op of the frame is answered through {@link DispatchDeps.asyncOp}; the caller handles the
 * socket's next frame after it.
 */
export function dispatchFrame(deps: DispatchDeps, socket: WebSocket, raw: RawData, isBinary: boolean): void | Promise<void> {
  const decoded = decodeClientFrame(raw, isBinary, deps.frameRules)
  if (!decoded.ok) {
    refuse(deps, socket, decoded.reason, decoded.replyTo, decoded.type)
    return
  }
  const bytes = frameBytes(raw)
  // A client that batches its outbound ops sends { type: 'BATCH', data: [message, ...] }.
  if (decoded.message.type === 'BATCH' && Array.isArray(decoded.message.data)) {
    const items = decoded.message.data as unknown[]
    if (items.length > deps.maxBatchMessages) {
      refuse(deps, socket, `BATCH of ${items.length} messages exceeds the limit of ${deps.maxBatchMessages} (limits.maxBatchMessages)`, decoded.message.id)
      return
    }
    const share = Math.ceil(bytes / Math.max(1, items.length))
    return inOrder(
      items.map((item) => () => {
        // An element is held to the rules of a standalone frame, and answered on its own.
        const read = checkClientMessage(item, deps.frameRules)
        if (read.ok) return guarded(deps, socket, read.message, share)
        refuse(deps, socket, `BATCH element refused: ${read.reason}`, read.replyTo, read.type)
      }),
    )
  }
  return guarded(deps, socket, decoded.message, bytes)
}

/**
 * Answers a refused frame: an op (a message with an id that is not a request or CONTROL) with a
 * non-retryable NACK, which the client's optimistic layer rolls back on; anything else with an
 * ERROR, correlated when the id is known.
 */
function refuse(deps: DispatchDeps, socket: WebSocket, reason: string, replyTo?: string, type?: string): void {
  deps.log(`refused client frame: ${reason}`)
  const isOp = replyTo !== undefined && type !== undefined && !deps.server.requestHandlers.has(type) && !(deps.allowControl && type === 'CONTROL')
  deps.replier.reply(socket, isOp ? nackFrame(replyTo, reason, false) : errorFrame(reason, replyTo), isOp ? 'ack' : 'error')
}

function guarded(deps: DispatchDeps, socket: WebSocket, message: WireMessage, bytes: number): void | Promise<void> {
  const fail = (error: unknown): void => {
    deps.log(`error handling ${message.type}: ${reasonOf(error)}`)
    deps.replier.reply(socket, errorFrame(reasonOf(error), message.id), 'error')
  }
  try {
    return dispatchMessage(deps, socket, message, bytes)?.catch(fail)
  } catch (error) {
    fail(error)
  }
}

/** Handles one decoded client message. */
export function dispatchMessage(deps: DispatchDeps, socket: WebSocket, message: WireMessage, bytes = 0): void | Promise<void> {
  const { server, replier } = deps
  if (message.type === 'PING') {
    // Not rate limited: a client's heartbeat must never fail because of its own ops.
    if (server.faults.answerPing) replier.reply(socket, pongFrame(message), 'pong')
    return
  }

  const id = message.id
  const isControl = deps.allowControl && message.type === 'CONTROL'
  const requestHandler = id === undefined ? undefined : server.requestHandlers.get(message.type)
  const acked = id !== undefined && !isControl && requestHandler === undefined
  const { userId, bucket } = deps.connection(socket)

  if (!bucket.take()) {
    // Retryable: the client's backoff spaces its retries out, and the op goes through later.
    if (acked) replier.reply(socket, answering(nackFrame(id, RATE_LIMITED, true), message.attempt), 'ack')
    else if (id !== undefined) replier.reply(socket, errorFrame(RATE_LIMITED, id), 'error')
    return
  }
  const stored = acked ? deps.answered.get(id) : undefined

  const entry: ReceivedMessage = { type: message.type }
  if (id !== undefined) entry.id = id
  if ('data' in message) entry.data = message.data
  if (stored) entry.duplicate = true
  if (userId !== undefined) entry.userId = userId
  deps.record(entry, bytes)

  const context: HandlerContext = userId === undefined ? { server, socket } : { server, socket, userId }

  if (isControl) {
    handleControl(message, { server, socket, replier, log: deps.log })
    return
  }
  if (id === undefined) return
  if (acked) noteWidgetOp(deps, message)

  const request: IdentifiedMessage = { type: message.type, id, data: message.data }
  if (message.attempt !== undefined) request.attempt = message.attempt
  // Who sent it is what the upgrade authenticated, never anything the message claims.
  if (userId !== undefined) request.userId = userId
  if (requestHandler) {
    runRequest(deps, socket, request, () => requestHandler(request, context))
    return
  }

  const pending = deps.asyncOp?.(socket, request, context)
  if (pending) return pending
  answerOp({ faults: server.faults, answered: deps.answered, replier, onApplied: deps.onApplied }, socket, request, () =>
    applyOp(deps, request, context),
  )
}

// Someone is editing this widget (even if the op is refused or a replay): the demo ticker holds off.
function noteWidgetOp(deps: DispatchDeps, op: WireMessage): void {
  if (!deps.server.entityMessages.has(op.type) && !deps.server.messageHandlers.has(op.type)) return
  const widgetId = (op.data as { id?: unknown } | null | undefined)?.id
  if (isWidgetId(widgetId)) deps.noteOp(widgetId)
}

/** Applies an op once: its message handler, else its entity kind, else nothing (generic ACK). */
function applyOp(deps: DispatchDeps, op: IdentifiedMessage, context: HandlerContext): OpOutcome {
  const { server } = deps
  const messageHandler = server.messageHandlers.get(op.type)
  if (messageHandler) return { data: messageHandler(op, context) }
  const kind = server.entityMessages.get(op.type)
  if (kind) return applyEntityOp({ store: deps.store, faults: server.faults, caps: deps.caps, announce: deps.announce }, kind, op)
  return { data: { received: true } }
}

function runRequest(deps: DispatchDeps, socket: WebSocket, request: IdentifiedMessage, run: () => unknown): void {
  const fail = (error: unknown): void => deps.replier.reply(socket, errorFrame(reasonOf(error), request.id), 'request')
  let result: unknown
  try {
    result = run()
  } catch (error) {
    fail(error)
    return
  }
  if (result instanceof Promise) {
    result.then((data) => deps.replier.reply(socket, replyFrame(request.type, request.id, data), 'request'), fail)
  } else {
    deps.replier.reply(socket, replyFrame(request.type, request.id, result), 'request')
  }
}
