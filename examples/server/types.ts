/**
 * Shared types of the reference server: the fault knobs, the widgets, the public server handle, the
 * options of `startServer`, and the handler signatures that later work can register.
 */
import type { RedisOptions } from './redis/redisStore'
import type { Authenticate, OriginPolicy } from './admission'
import type { BroadcastBatchOptions } from './broadcastBatcher'
import type { ServerLimits } from './limits'
import type { WebSocket } from 'ws'
import type { Envelope } from '../../src/protocol/envelope'
import type { ServerState } from './serverState'

/** One protocol frame as it travels on the wire (the README's "Wire protocol"). */
export type WireMessage<TData = unknown> = Envelope<TData>

/**
 * Fault knobs. The object on a running server is mutable: tests assign fields and the next frame
 * handled sees the new value.
 */
export interface ServerFaults {
  /** Delay every reply (PONG, ACK/NACK, request replies) by this many ms. @default 0 */
  replyDelayMs: number
  /** When false, PINGs are silently ignored (half-open connection simulation). @default true */
  answerPing: boolean
  /** When true, ACK/NACKs and request replies are not sent; client messages are still recorded and applied. @default false */
  dropReplies: boolean
  /** When true, client messages with an id get a non-retryable NACK instead of an ACK. @default false */
  nackAll: boolean
  /** When true, client messages with an id get a retryable NACK instead of an ACK (unless `nackAll`). @default false */
  nackRetryable: boolean
  /**
   * In-process only (cannot be set over CONTROL, only cleared with `null`): called for every op not
   * yet applied; a returned string NACKs it (non-retryable) with that reason. @default undefined
   */
  rejectIf?: ((message: IdentifiedMessage) => string | undefined) | undefined
  /**
   * When true, an entity op whose `data.baseVersion` is lower than the widget's current version is
   * NACKed (`conflict: base version N < current M`, non-retryable). When false: last writer wins.
   * Ops without a numeric `baseVersion` are never conflicts. @default false
   */
  conflictOnBaseVersion: boolean
  /**
   * When true, ops are applied (and their changes broadcast) but not ACKed, replays included;
   * NACKs still go out. Once cleared, a replay gets the stored ACK. @default false
   */
  dropAcks: boolean
  /**
   * How many of the next broadcasts to keep from the clients: each is still numbered and kept in
   * the SYNC log (so `SYNC { since }` returns it), only not sent, and the count goes down by one.
   * Makes a `seq` gap for tests. Applies to `broadcast` and the changes it announces (not to
   * `blast`). @default 0
   */
  dropBroadcasts: number
}

/** A widget's fields, with its id. */
export interface WidgetEntity {
  id: string
  [field: string]: unknown
}

/** A widget to seed: its id and fields (protocol fields such as `version` are ignored). */
export type WidgetSeed = WidgetEntity

/** A widget as the server reports it: `{ ...entity, version }`. */
export interface WidgetSnapshot {
  id: string
  version: number
  [field: string]: unknown
}

/**
 * What an entity message type does: `update` patches (creating when absent), `create` creates
 * (patching when present), `delete` deletes.
 */
export type EntityOpKind = 'update' | 'create' | 'delete'

/** One decoded client message (PINGs excluded), as recorded in {@link ReferenceServer.received}. */
export interface ReceivedMessage {
  type: string
  id?: string
  data?: unknown
  /** Set when this delivery repeats an id the server had already ACKed (a replay). */
  duplicate?: true
  /** The user `authenticate` returned for the sender's socket (absent without an `authenticate` hook). */
  userId?: string
}

/** A server broadcast, as sent on the wire and kept in the bounded SYNC log. */
export interface BroadcastFrame {
  type: string
  data?: unknown
  seq: number
  ts: number
}

/** What a request or message handler gets besides the message itself. */
export interface HandlerContext {
  /** The server that received the message. */
  readonly server: AnyReferenceServer
  /** The socket the message came from. */
  readonly socket: WebSocket
  /** The user `authenticate` returned for that socket (absent without an `authenticate` hook). */
  readonly userId?: string
}

/** A client message that carries an id (a request, or an op with its idempotency key). */
export interface IdentifiedMessage {
  type: string
  id: string
  data?: unknown
  /** Which delivery of the op this is, when the client numbers them; echoed in the answer. */
  attempt?: number
  /**
   * The user `authenticate` returned for the sender's socket, set by the server (a `userId` the
   * client writes into its message is not read). Absent without an `authenticate` hook.
   */
  userId?: string
}

/**
 * Answers a request. The return value (or the resolved value of a returned promise) becomes the
 * reply's `data`; a throw (or rejection) becomes `{ type: 'ERROR', replyTo, data: { reason } }`.
 */
export type RequestHandler = (request: IdentifiedMessage, context: HandlerContext) => unknown

/**
 * Applies a client message that is answered with an ACK (e.g. a mutation). Its return value
 * becomes the ACK's `data`; a throw becomes a non-retryable NACK with the error message as reason.
 * It runs once per id: replays are answered with the stored ACK without calling it again.
 */
export type MessageHandler = (message: IdentifiedMessage, context: HandlerContext) => unknown

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /** The only path on which WebSocket upgrades are accepted. @default '/ws' */
  path?: string
  /** Serve files from this directory over HTTP (index.html for directories). Must exist. */
  staticDir?: string
  /** Initial fault knobs; unspecified ones take their defaults. */
  faults?: Partial<ServerFaults>
  /** Enable the out-of-process `CONTROL` message type. @default false */
  allowControl?: boolean
  /** Diagnostic log lines (connections, errors). @default no logging */
  log?: (line: string) => void
  /**
   * Keep at most this many entries in `received`, dropping the oldest (besides
   * `limits.maxReceivedBytes`, which always bounds it by bytes). @default Infinity
   */
  maxReceived?: number
  /**
   * The limits every client is held to: frame size and depth, rate, widget size and count,
   * connections per address, handshake and idle timeouts, send buffer, log bytes. Unspecified
   * ones take their (finite) defaults; see {@link ServerLimits}. @default DEFAULT_LIMITS
   */
  limits?: Partial<ServerLimits>
  /**
   * Which browser origins may open a socket (a list of exact origins, or a predicate); others are
   * refused with 403. A request without an `Origin` (not a browser) is let through.
   * @default the server's own origin, and any port of localhost, 127.0.0.1 and [::1]
   */
  allowedOrigins?: OriginPolicy
  /**
   * Authenticates each upgrade: returns (or resolves to) the user id the socket acts for, which
   * every op and request from it carries (`IdentifiedMessage.userId`, `HandlerContext.userId`);
   * anything else refuses the upgrade with 401. Read the token with `requestToken(request)` (the
   * `token` query parameter or a `Sec-WebSocket-Protocol` entry `token.<token>`).
   * @default none: every socket is let in, anonymous
   */
  authenticate?: Authenticate
  /** Extra or replacing request handlers, on top of {@link defaultRequestHandlers}. */
  requestHandlers?: Iterable<readonly [string, RequestHandler]>
  /** Message handlers that compute ACK data for specific message types (they take precedence over `entityMessages`). */
  messageHandlers?: Iterable<readonly [string, MessageHandler]>
  /** Initial widgets, each at version 1. @default none */
  widgets?: Iterable<WidgetSeed>
  /**
   * Which client message types are entity ops, and what they do. Replaces the default map.
   * @default WIDGET_UPDATE -> update, WIDGET_CREATE -> create, WIDGET_DELETE -> delete
   */
  entityMessages?: Iterable<readonly [string, EntityOpKind]>
  /** The type of the broadcast announcing every widget change. @default 'WIDGET_UPDATE' */
  entityBroadcastType?: string
  /**
   * Continue from the authoritative state of another server (`old.state`), e.g. after
   * `await old.kill()` or `await old.stop()`, as a server backed by a database restarts. The
   * state is used, not copied: run one server on it at a time. Cannot be combined with `widgets`.
   */
  state?: ServerState
  /**
   * Share the state with other instances through Redis (a `redis://` URL, or `RedisOptions`):
   * widgets and versions, answered op ids (with a TTL) and the broadcasts with their global `seq`.
   * `widgets` then seeds Redis only when it never held a widget. Not with `state`. The server is
   * then a {@link SharedReferenceServer}: its in-process changes go through Redis and resolve.
   * @default undefined (in memory)
   */
  redis?: string | RedisOptions
  /**
   * How many applied op ids a fresh state remembers for de-duplication (oldest forgotten first).
   * @default ANSWERED_IDS_CAPACITY (10,000)
   */
  answeredIdsCapacity?: number
  /** How many applications `appliedOps()` keeps, oldest forgotten first. @default APPLIED_OPS_CAPACITY (100,000) */
  maxAppliedOps?: number
  /** The server's clock (ms): broadcast `ts` and {@link ReferenceServer.lastOpAt}. @default Date.now */
  now?: () => number
  /**
   * Coalesce broadcasts: the frames broadcast in one macrotask reach each client as one
   * `{ type: 'BATCH', data: [frame, ...] }` frame (a lone frame is sent as it is), at most
   * `maxFrames` (and `maxBytes`) per BATCH; `delayMs` > 0 collects for that long instead.
   * Replies are never held: a client receives everything in the order it was produced, so an
   * op's ACK still comes before its broadcast. `false` sends every broadcast on its own.
   * `server.blast` is not coalesced by this.
   * @default { maxFrames: 500, delayMs: 0, maxBytes: 262144 }
   */
  broadcastBatch?: BroadcastBatchOptions | false
}

/** A running reference server (in-process handle). */
export interface ReferenceServer {
  readonly port: number
  /** `ws://<host>:<port><path>` */
  readonly url: string
  /** `http://<host>:<port>` */
  readonly httpUrl: string
  /** Mutable fault knobs. */
  readonly faults: ServerFaults
  /** Every decoded client message except PING, in arrival order; replays are marked `duplicate`. */
  readonly received: ReceivedMessage[]
  /** The last broadcast sequence number (0 before the first broadcast). */
  readonly seq: number
  /** Request handlers of this server (a copy of the defaults plus options); mutable. */
  readonly requestHandlers: Map<string, RequestHandler>
  /** Message handlers of this server (ACK data per message type); mutable. */
  readonly messageHandlers: Map<string, MessageHandler>
  /** Entity message types of this server and what they do; mutable. */
  readonly entityMessages: Map<string, EntityOpKind>
  /** Every live widget as `{ ...entity, version }` (deep copies), in creation order. */
  widgets(): WidgetSnapshot[]
  /** Widget `id` as `{ ...entity, version }` (a deep copy), or undefined when it does not exist. */
  widget(id: string): WidgetSnapshot | undefined
  /**
   * A server-side change, as if another user edited widget `id`: applies `patch` (creating the
   * widget when absent), bumps its version and broadcasts it without `opId`. Returns the new version.
   */
  touch(id: string, patch?: Readonly<Record<string, unknown>>): number
  /** Deletes widget `id` and broadcasts the deletion; returns the new version, or undefined when there was no such widget. */
  deleteWidget(id: string): number | undefined
  /**
   * Replaces every widget with `widgets`, without broadcasting (set state up before clients
   * connect). New ids start at version 1; ids seen before continue from their last version.
   */
  seedWidgets(widgets: Iterable<WidgetSeed>): void
  /** Number of open client sockets. */
  clientCount(): number
  /** Resolves when at least `n` clients are connected; rejects after `timeoutMs` (default 5000). */
  waitForClients(n: number, timeoutMs?: number): Promise<void>
  /**
   * Sends `{ type, data, seq: ++seq, ts }` to every open client (unless `faults.dropBroadcasts`
   * keeps it back) and logs it for SYNC; returns the seq.
   */
  broadcast(type: string, data?: unknown): number
  /**
   * Broadcasts `count` messages as fast as the sockets take them, waiting for slow sockets to
   * drain so memory stays bounded. Resolves when every message was handed to the sockets.
   */
  blast(count: number, make: (i: number) => { type: string; data?: unknown }): Promise<void>
  /** Broadcasts with seq greater than `since` from the bounded log, or null when the log does not reach back that far. */
  broadcastsSince(since: number): BroadcastFrame[] | null
  /** Sends a frame verbatim to every open client (a Buffer goes as a binary frame). */
  sendRaw(frame: string | Buffer): void
  /** Cleanly closes every client socket (close frame with `code`, default 1000). */
  closeAll(code?: number, reason?: string): void
  /** Abruptly destroys every client socket: no close frame, clients see 1006. */
  terminateAll(): void
  /** Terminates clients and closes the WebSocket and HTTP servers; the port is free afterwards. */
  stop(): Promise<void>
  /**
   * Crashes the server: at once, every client socket is destroyed (clients see 1006), delayed
   * replies and the broadcasts waiting behind them are lost, no further frame is handled, and
   * the server stops listening. Resolves once the port is free. {@link ReferenceServer.state}
   * is what survives.
   */
  kill(): Promise<void>
  /**
   * The authoritative state (widgets and versions, answered op ids, `seq` and the SYNC log,
   * applied counts, last op times), as an opaque handle for `startServer({ state })`.
   */
  readonly state: ServerState
  /**
   * How many times op `opId`'s effect was applied: 1 for an op applied once, whatever the number
   * of replays answered from the answered-id table; 0 for an op never applied (or only NACKed).
   */
  appliedCount(opId: string): number
  /** The ids of the applied ops, in application order (an op applied twice appears twice). */
  appliedOps(): string[]
  /**
   * When (on the server's clock) the last client op for widget `id` arrived, applied or not;
   * undefined when none did. The demo ticker leaves such a widget alone for a while.
   */
  lastOpAt(id: string): number | undefined
}

/**
 * A server started with `redis`: the same handle, except that its in-process changes go through
 * Redis (the compare-and-set script and the broadcast stream), so every instance's clients see
 * them with the one global `seq`; each resolves with what {@link ReferenceServer} returns at once.
 * `widgets()` and `widget(id)` read this instance's copy as of the last broadcast it read, so
 * right after a change resolves they may not show it yet. `blast` stays local: its synthetic
 * frames go to this instance's own clients only, without `seq` (they change no widget).
 */
export interface SharedReferenceServer extends Omit<ReferenceServer, 'touch' | 'deleteWidget' | 'seedWidgets' | 'broadcast'> {
  /** {@link ReferenceServer.touch} through Redis; rejects with a TypeError on a bad id. */
  touch(id: string, patch?: Readonly<Record<string, unknown>>): Promise<number>
  /** {@link ReferenceServer.deleteWidget} through Redis. */
  deleteWidget(id: string): Promise<number | undefined>
  /** {@link ReferenceServer.seedWidgets} in Redis, for every instance (no broadcast, `seq` unchanged). */
  seedWidgets(widgets: Iterable<WidgetSeed>): Promise<void>
  /** {@link ReferenceServer.broadcast} through the stream, to every instance's clients; resolves with the seq. */
  broadcast(type: string, data?: unknown): Promise<number>
}

/** A server in memory or on Redis (what handlers and CONTROL see). */
export type AnyReferenceServer = ReferenceServer | SharedReferenceServer
