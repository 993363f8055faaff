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
import { decodeClientFrame, errorFrame, pongFrame, reasonOf, replyFrame } from './protocol'
import type { HandlerContext, IdentifiedMessage, ReceivedMessage, ReferenceServer, WireMessage } from './types'
import { isWidgetId, type WidgetChange, type WidgetStore } from './widgets'

/** What the dispatcher needs from the server. */
export interface DispatchDeps {
  readonly server: ReferenceServer
  readonly allowControl: boolean
  readonly answered: AnsweredIds
  readonly replier: FaultyReplier
  /** The authoritative widgets that entity ops change. */
  readonly store: WidgetStore
  /** Records one application of an op (see {@link OpDeps.onApplied}). */
  onApplied(opId: string): void
  /** Records that a client op for widget `id` arrived now. */
  noteOp(id: string): void
  /** Broadcasts a widget change caused by op `opId`. */
  announce(change: WidgetChange, opId: string): void
  record(entry: ReceivedMessage): void
  log(line: string): void
}

/** Handles one raw client frame. Never throws. */
export function dispatchFrame(deps: DispatchDeps, socket: WebSocket, raw: RawData, isBinary: boolean): void {
  const decoded = decodeClientFrame(raw, isBinary)
  if (!decoded.ok) {
    deps.log(`refused client frame: ${decoded.reason}`)
    deps.replier.reply(socket, errorFrame(decoded.reason, decoded.replyTo), 'error')
    return
  }
  try {
    // A client that batches its outbound ops sends { type: 'BATCH', data: [message, ...] }.
    if (decoded.message.type === 'BATCH' && Array.isArray(decoded.message.data)) {
      for (const item of decoded.message.data as WireMessage[]) {
        if (item && typeof item === 'object' && typeof item.type === 'string') dispatchMessage(deps, socket, item)
      }
      return
    }
    dispatchMessage(deps, socket, decoded.message)
  } catch (error) {
    deps.log(`error handling ${decoded.message.type}: ${reasonOf(error)}`)
    deps.replier.reply(socket, errorFrame(reasonOf(error), decoded.message.id), 'error')
  }
}

/** Handles one decoded client message. */
export function dispatchMessage(deps: DispatchDeps, socket: WebSocket, message: WireMessage): void {
  const { server, replier } = deps
  if (message.type === 'PING') {
    if (server.faults.answerPing) replier.reply(socket, pongFrame(message), 'pong')
    return
  }

  const id = message.id
  const isControl = deps.allowControl && message.type === 'CONTROL'
  const requestHandler = id === undefined ? undefined : server.requestHandlers.get(message.type)
  const acked = id !== undefined && !isControl && requestHandler === undefined
  const stored = acked ? deps.answered.get(id) : undefined

  const entry: ReceivedMessage = { type: message.type }
  if (id !== undefined) entry.id = id
  if ('data' in message) entry.data = message.data
  if (stored) entry.duplicate = true
  deps.record(entry)

  const context: HandlerContext = { server, socket }

  if (isControl) {
    handleControl(message, { server, socket, replier, log: deps.log })
    return
  }
  if (id === undefined) return
  if (acked) noteWidgetOp(deps, message)

  const request: IdentifiedMessage = { type: message.type, id, data: message.data }
  if (message.attempt !== undefined) request.attempt = message.attempt
  if (requestHandler) {
    runRequest(deps, socket, request, () => requestHandler(request, context))
    return
  }

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
  if (kind) return applyEntityOp({ store: deps.store, faults: server.faults, announce: deps.announce }, kind, op)
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
