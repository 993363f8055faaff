/**
 * The server's limits: every resource a client can make it spend has a finite default, so a
 * server started with `startServer()` and nothing else survives a hostile client. Each refusal
 * they cause says which limit it hit.
 */
import { DEFAULT_MAX_FRAME_BYTES } from '../../src/protocol/jsonCodec'
import { DEFAULT_MAX_DEPTH } from '../../src/protocol/sanitize'

/** The limits of one server (`startServer({ limits })`; unspecified ones take their defaults). */
export interface ServerLimits {
  /**
   * Largest client frame, in bytes; a larger one closes the socket with 1009 before it is
   * buffered whole (ws's `maxPayload`). The client's `websocket.MAX_FRAME_BYTES`.
   * @default 1048576
   */
  maxPayloadBytes: number
  /** Deepest nesting in a frame (the envelope is level 0), the package codec's rule. @default 1000 */
  maxDepth: number
  /** Most messages in one client `BATCH` frame; a larger one is refused whole with an ERROR. @default 1000 */
  maxBatchMessages: number
  /** Longest message `id` and `type`, in characters. @default 256 */
  maxIdLength: number
  /**
   * Per-connection token bucket over messages with an id (ops and requests, BATCH elements each
   * count): `opsPerSecond` refill, `burst` capacity. An op over it gets
   * `NACK { reason: 'rate_limited', retryable: true }`, a request `ERROR { reason: 'rate_limited' }`.
   * `false` turns it off. @default { opsPerSecond: 500, burst: 1000 }
   */
  rateLimit: { opsPerSecond: number; burst: number } | false
  /** Largest widget (its JSON after the op), in bytes; over it the op is NACKed (not retryable). @default 8192 */
  maxWidgetBytes: number
  /** Most live widgets; an op creating one more is NACKed (not retryable). @default 1000 */
  maxWidgets: number
  /**
   * Most bytes of all live widgets together (their JSON). A SYNC snapshot holds each widget twice
   * (`messages` and `widgets`), so the default keeps the largest snapshot under the client's
   * 1 MiB `MAX_FRAME_BYTES`. @default 393216
   */
  maxStateBytes: number
  /** Most open sockets from one remote address; more are refused with 503 before the handshake. @default 256 */
  maxConnectionsPerAddress: number
  /** Longest an HTTP request (a WebSocket handshake included) may take to arrive, in ms. @default 10000 */
  handshakeTimeoutMs: number
  /**
   * Every this many ms the server pings each client (a WebSocket ping frame, answered by every
   * browser and `ws`); a client from which nothing (no frame, no pong) arrived during a whole
   * interval is terminated. 0 turns it off. @default 30000
   */
  pingIntervalMs: number
  /**
   * A client whose unsent data (`bufferedAmount`) passes this many bytes is not buffered for
   * further: it is closed with 1013 (and terminated if the close cannot get out). @default 4194304
   */
  maxBufferedBytes: number
  /** Most bytes of client messages kept in `server.received` (oldest dropped first). @default 16777216 */
  maxReceivedBytes: number
}

/** The defaults of {@link ServerLimits}. */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxPayloadBytes: DEFAULT_MAX_FRAME_BYTES,
  maxDepth: DEFAULT_MAX_DEPTH,
  maxBatchMessages: 1_000,
  maxIdLength: 256,
  rateLimit: Object.freeze({ opsPerSecond: 500, burst: 1_000 }),
  maxWidgetBytes: 8_192,
  maxWidgets: 1_000,
  maxStateBytes: 393_216,
  maxConnectionsPerAddress: 256,
  handshakeTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 4_194_304,
  maxReceivedBytes: 16_777_216,
})

const POSITIVE = ['maxPayloadBytes', 'maxDepth', 'maxBatchMessages', 'maxIdLength', 'maxWidgetBytes', 'maxWidgets', 'maxStateBytes', 'maxConnectionsPerAddress', 'handshakeTimeoutMs', 'maxBufferedBytes'] as const
const NON_NEGATIVE = ['pingIntervalMs', 'maxReceivedBytes'] as const

/** The defaults overridden by `options`; throws a RangeError naming the option for a bad value. */
export function resolveLimits(options: Partial<ServerLimits> = {}): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options }
  for (const key of POSITIVE) {
    const value = limits[key]
    // Infinity is allowed (a test that floods on purpose may lift a limit), NaN and <= 0 are not.
    if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`startServer({ limits }): ${key} must be a number > 0, got ${String(value)}`)
  }
  for (const key of NON_NEGATIVE) {
    const value = limits[key]
    if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`startServer({ limits }): ${key} must be a number >= 0, got ${String(value)}`)
  }
  const rate = limits.rateLimit
  if (rate !== false) {
    if (rate === null || typeof rate !== 'object' || !(rate.opsPerSecond > 0) || !(rate.burst >= 1)) {
      throw new RangeError('startServer({ limits }): rateLimit must be false or { opsPerSecond > 0, burst >= 1 }')
    }
  }
  return limits
}
