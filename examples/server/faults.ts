/**
 * Fault knobs: their defaults, validation of patches arriving over the wire, and a replier that
 * applies them (delay, drop) to outgoing replies.
 */
import { WebSocket } from 'ws'
import { errorFrame, reasonOf } from './protocol'
import type { ServerFaults, WireMessage } from './types'

/** Fault knob defaults: a well-behaved server. */
export const DEFAULT_FAULTS: Readonly<ServerFaults> = Object.freeze({
  replyDelayMs: 0,
  answerPing: true,
  dropReplies: false,
  nackAll: false,
  nackRetryable: false,
  conflictOnBaseVersion: false,
  dropAcks: false,
  dropBroadcasts: 0,
})

/** The boolean knobs, settable over the wire. */
const BOOLEAN_KNOBS = ['answerPing', 'dropReplies', 'nackAll', 'nackRetryable', 'conflictOnBaseVersion', 'dropAcks'] as const

/** A fresh, mutable knob object: the defaults overridden by `initial` (including an in-process `rejectIf`). */
export function createFaults(initial: Partial<ServerFaults> = {}): ServerFaults {
  const faults: ServerFaults = { ...DEFAULT_FAULTS }
  applyFaultPatch(faults, initial)
  if (typeof initial.rejectIf === 'function') faults.rejectIf = initial.rejectIf
  return faults
}

/**
 * Copies the recognised, well-typed fields of `patch` onto `faults`. Unknown keys and values of
 * the wrong type are ignored, so a patch received over the wire cannot break the server.
 * `rejectIf` is never set this way (functions do not travel); `rejectIf: null` clears it.
 * Returns the names of the knobs that were set.
 */
export function applyFaultPatch(faults: ServerFaults, patch: unknown): string[] {
  const set: string[] = []
  if (patch === null || typeof patch !== 'object') return set
  const p = patch as Record<string, unknown>
  if (typeof p.replyDelayMs === 'number' && Number.isFinite(p.replyDelayMs) && p.replyDelayMs >= 0) {
    faults.replyDelayMs = p.replyDelayMs
    set.push('replyDelayMs')
  }
  if (Number.isSafeInteger(p.dropBroadcasts) && (p.dropBroadcasts as number) >= 0) {
    faults.dropBroadcasts = p.dropBroadcasts as number
    set.push('dropBroadcasts')
  }
  for (const key of BOOLEAN_KNOBS) {
    if (typeof p[key] === 'boolean') {
      faults[key] = p[key]
      set.push(key)
    }
  }
  if (p.rejectIf === null) {
    delete faults.rejectIf
    set.push('rejectIf')
  }
  return set
}

/**
 * What a reply is, which decides which knobs apply to it:
 * - `pong`: delayed (and not sent at all when `answerPing` is false; the caller checks that);
 * - `ack` (ACK/NACK) and `request` (request replies, SYNC): delayed, and dropped by `dropReplies`;
 * - `control` and `error`: never delayed or dropped.
 */
export type ReplyKind = 'pong' | 'ack' | 'request' | 'control' | 'error'

/** Sends replies through the fault knobs. */
export interface FaultyReplier {
  /**
   * Encodes and sends `frame` to `socket`, honouring the knobs for `kind`. `after` runs right after
   * the frame was handed to the socket (after its delay), or at once when the frame is dropped; it
   * does not run for a delayed reply cancelled by {@link FaultyReplier.cancelPending}.
   */
  reply(socket: WebSocket, frame: WireMessage, kind: ReplyKind, after?: () => void): void
  /** Cancels replies still waiting out their delay (on stop). */
  cancelPending(): void
}

/**
 * Creates a {@link FaultyReplier} reading the live `faults` object at every reply. `beforeSend`
 * runs right before a reply is written to its socket (the server sends the broadcasts it holds
 * for that client first, so frames keep their order); `afterSend` right after (the backpressure
 * check).
 */
export function createFaultyReplier(faults: ServerFaults, beforeSend?: (socket: WebSocket) => void, afterSend?: (socket: WebSocket) => void): FaultyReplier {
  const pending = new Set<ReturnType<typeof setTimeout>>()

  const send = (socket: WebSocket, text: string): void => {
    beforeSend?.(socket)
    if (socket.readyState !== WebSocket.OPEN) return
    socket.send(text)
    afterSend?.(socket)
  }

  return {
    reply(socket, frame, kind, after) {
      const faulty = kind === 'pong' || kind === 'ack' || kind === 'request'
      if (faulty && kind !== 'pong' && faults.dropReplies) {
        after?.()
        return
      }
      let text: string
      try {
        text = JSON.stringify(frame)
      } catch (error) {
        // A handler's reply that JSON cannot carry (a BigInt, a cycle) must not throw into the
        // socket's event handler (or reject unheard): the client gets an ERROR instead.
        text = JSON.stringify(errorFrame(`reply cannot be encoded (${reasonOf(error)})`, frame.replyTo))
      }
      const delay = faulty ? faults.replyDelayMs : 0
      if (delay > 0) {
        const timer = setTimeout(() => {
          pending.delete(timer)
          send(socket, text)
          after?.()
        }, delay)
        pending.add(timer)
      } else {
        send(socket, text)
        after?.()
      }
    },
    cancelPending() {
      for (const timer of pending) clearTimeout(timer)
      pending.clear()
    },
  }
}
