import type { Envelope } from '../protocol/envelope'
import type { RejectCode } from '../protocol/codec'
import type { RealtimeError } from '../world/serializeError'

/**
 * Where the connection is in its life:
 * `idle` before the first connect, `connecting` on the first attempt, `open`, `reconnecting`
 * after a drop (including the backoff wait), `offline` while the environment says there is no
 * network (an open or opening socket is closed, and no attempt is made until `online()`),
 * `failed` after the last reconnect attempt, `closed` after `disconnect()`.
 */
export type ConnectionStatus =
  | 'idle'
  | 'connecting'
  | 'open'
  | 'reconnecting'
  | 'offline'
  | 'failed'
  | 'closed'

/** How a socket closed, as plain data (never the `CloseEvent` itself). */
export interface CloseInfo {
  code: number
  reason: string
  wasClean: boolean
}

/** A frame that was refused (or cleaned) by the codec or a validator. */
export interface MessageRejection {
  code: RejectCode
  reason: string
  /** The message type when the frame got far enough to have one. */
  type?: string
  /** Paths removed from the payload, for `forbidden_key`. */
  stripped?: string[]
  at: number
}

/**
 * Payload of `sendRefused`: one frame the send buffer could not take (it already held
 * `websocket.MAX_BUFFERED_SENDS` frames). Nothing already buffered was dropped for it.
 */
export interface SendRefusal {
  /** The refused frame's message type. */
  type: string
  code: 'BUFFER_FULL'
  /** Readable, naming `websocket.MAX_BUFFERED_SENDS`; the same text as `lastError.message`. */
  reason: string
  /** The request the frame belonged to, when it was one (its promise rejects with `BUFFER_FULL`). */
  requestId?: string
  at: number
}

/** A request waiting for its reply. */
export interface PendingRequest {
  type: string
  startedAt: number
  timeoutMs: number
}

/** The `connection` sub-slice: everything about the socket, as plain data. */
export interface ConnectionState {
  status: ConnectionStatus
  /** Number of the current reconnect attempt; 0 while open and before the first failure. */
  attempt: number
  /** When the next reconnect attempt starts (ms since epoch), while one is scheduled. */
  nextRetryAt: number | null
  lastClose: CloseInfo | null
  lastError: RealtimeError | null
  /**
   * Round trip of the last heartbeat PING, in ms: set only by a PONG that answers the last PING
   * sent on the current socket (a late answer to an older PING, or one from a previous socket,
   * is ignored). Kept after the socket closes, as the last known value.
   */
  latencyMs: number | null
  /** When the last inbound message arrived (ms since epoch). */
  lastMessageAt: number | null
  openedAt: number | null
  /** What the environment last said about the network. */
  online: boolean
  /** What the environment last said about page visibility. */
  visible: boolean
  /** Messages waiting for the socket to open, in send order. */
  buffer: Envelope[]
  /** Requests waiting for a reply, by request id. */
  requests: Record<string, PendingRequest>
  /** Count of inbound messages accepted since the store started. */
  received: number
  /** Count of inbound frames refused. */
  rejected: number
  lastRejection: MessageRejection | null
}
