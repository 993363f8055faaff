/** Connection settings (`config.websocket`). */
export interface WebSocketConfig {
  /** Socket URL, `ws://` or `wss://`. @default 'ws://localhost:3000/ws' */
  URL: string
  /** Reconnect attempts after a failure before the status becomes `failed`. @default 5 */
  RECONNECT_ATTEMPTS: number
  /** Base delay of the exponential backoff, in ms. @default 1000 */
  RECONNECT_DELAY: number
  /** Cap of the backoff delay, in ms. @default 30000 */
  RECONNECT_MAX_DELAY: number
  /** Jitter ratio in [0, 1]: a delay d becomes a random value in [d·(1−j), d·(1+j)], capped. @default 0.5 */
  RECONNECT_JITTER: number
  /** A socket not open after this many ms counts as a failed attempt. @default 10000 */
  CONNECT_TIMEOUT: number
  /** Interval between PINGs while open, in ms; 0 turns the heartbeat off. @default 30000 */
  HEARTBEAT_INTERVAL: number
  /** A PING unanswered for this long marks the socket dead, in ms. @default 10000 */
  PONG_TIMEOUT: number
  /** Period of the wake-from-sleep detector, in ms; 0 turns it off. @default 5000 */
  WAKE_CHECK_INTERVAL: number
  /** Default timeout of `request()`, in ms. @default 10000 */
  REQUEST_TIMEOUT: number
  /** Largest inbound frame accepted, in bytes. @default 1048576 */
  MAX_FRAME_BYTES: number
  /** Most sends held while the socket is not open; beyond it a send is refused with an error in state. @default 100 */
  MAX_BUFFERED_SENDS: number
  /** Connect as soon as the store is created; when false, dispatch `connect()`. @default true */
  AUTO_CONNECT: boolean
}

/** How inbound entity updates are batched. */
export type BatchMode = 'auto' | 'window' | 'raf' | 'off'

/** Conflict strategies that can be named in config. */
export type ConflictResolution = 'REMOTE_WINS' | 'LOCAL_WINS' | 'MERGE'

/** Optimistic update settings (`config.optimistic`). */
export interface OptimisticConfig {
  /** A sent op unacknowledged for this long is retried or rolled back, in ms. @default 30000 */
  TIMEOUT: number
  /** Most ops pending at once; a further mutation is refused with an error action. @default 100 */
  MAX_PENDING: number
  /** @default 'REMOTE_WINS' */
  CONFLICT_RESOLUTION: ConflictResolution
  /**
   * While ops are pending, a SYNC runs at least this often (ms; from the last one), even with
   * `features.ENABLE_BACKGROUND_SYNC` off, so an op ACKed without a value gets it; 0 turns it off.
   * @default 60000
   */
  SYNC_INTERVAL: number
}

/** Background sync settings (`config.backgroundSync`). */
export interface BackgroundSyncConfig {
  /**
   * Periodic sync (a SYNC, and each collection's `load`) while online and visible, in ms from the
   * last attempt; also the wait before a failed sync is retried. 0 turns both off.
   * @default 30000
   */
  SYNC_INTERVAL: number
  /**
   * A collection not synced successfully within this many ms is marked stale (reason `age`) and
   * synced; 0 turns it off.
   * @default 60000
   */
  WIDGET_REFRESH: number
  /** Most ops held in the offline outbox. @default 100 */
  MAX_OUTBOX_SIZE: number
  /** Delivery retries of one op before it is rolled back. @default 3 */
  MAX_RETRIES: number
  /**
   * Base delay before an op refused for now (a retryable NACK) or unanswered is sent again, in ms:
   * retry n waits `RETRY_DELAY · 2^(n−1)`, spread by ±`websocket.RECONNECT_JITTER`, capped at
   * `RETRY_MAX_DELAY`. A lost socket is no refusal: its ops go out on the next socket at once.
   * @default 1000
   */
  RETRY_DELAY: number
  /** Cap of the retry delay, in ms. @default 30000 */
  RETRY_MAX_DELAY: number
}

/** Inbound/outbound update processing (`config.updates`). */
export interface UpdatesConfig {
  /**
   * `'window'`: most updates in one batch. `'auto'`: a leading flush of this many updates or more
   * marks the stream busy (the next batch waits BATCH_DELAY). Ignored by `'raf'` and `'off'`. @default 50
   */
  BATCH_SIZE: number
  /**
   * Longest wait before a batch is flushed, in ms (`'window'`, and `'auto'` while busy); in `'auto'`
   * also the pause after which a busy stream counts as idle. @default 200
   */
  BATCH_DELAY: number
  /** Default debounce delay, in ms. @default 100 */
  DEBOUNCE_DELAY: number
  /** Coalesce updates to the same entity within a batch. @default true */
  DEDUPLICATION: boolean
  /**
   * How inbound entity updates are batched into `entitiesUpdated` actions (one store notification each):
   * - `'auto'`: an update that reaches an idle client is applied on the next macrotask (a *leading
   *   flush*, about 1 ms), together with everything the same socket read delivered. When a leading
   *   flush holds BATCH_SIZE updates or more (50 updates in one turn of the event loop), the stream
   *   is busy and the next batch is applied BATCH_DELAY ms after its first update, whatever its size
   *   (time only: fewer, larger flushes, the highest throughput). After that window the next batch
   *   is a leading flush again, which decides afresh: busy again only if it too holds BATCH_SIZE or
   *   more. Low latency when updates trickle in, about two flushes per BATCH_DELAY when they pour in.
   * - `'window'`: flush at BATCH_SIZE updates or BATCH_DELAY ms after the first, whichever first
   *   (a lone update always waits BATCH_DELAY).
   * - `'raf'`: once per animation frame, whatever the count (BATCH_SIZE ignored; a 16 ms timer
   *   stands in where there is no `requestAnimationFrame`).
   * - `'off'`: one action per update.
   * @default 'auto'
   */
  BATCH_MODE: BatchMode
}

/** Feature flags (`config.features`). */
export interface FeatureFlags {
  /** @default true */
  ENABLE_WEBSOCKET: boolean
  /** @default true */
  ENABLE_OPTIMISTIC_UPDATES: boolean
  /**
   * The periodic sync and staleness by age. Off, the initial load, the resyncs after a reconnect
   * or a seq gap, `refresh()` and the sync for pending ops (`optimistic.SYNC_INTERVAL`) still run.
   * @default true
   */
  ENABLE_BACKGROUND_SYNC: boolean
}

/** The whole resolved configuration: every option has a value. */
export interface RealtimeConfig {
  websocket: WebSocketConfig
  optimistic: OptimisticConfig
  backgroundSync: BackgroundSyncConfig
  updates: UpdatesConfig
  features: FeatureFlags
}

/** The name of a feature flag. */
export type FeatureFlag = keyof FeatureFlags

/** The environments that can carry their own overrides. */
export type Environment = 'development' | 'production' | 'test'

/** Every option may be left out; the defaults fill the rest. */
export type RealtimeConfigOverrides = {
  [S in keyof RealtimeConfig]?: Partial<RealtimeConfig[S]>
}

/** What `createRealtime({ config })` and `createConfig()` accept. */
export interface RealtimeConfigInput extends RealtimeConfigOverrides {
  /** Overrides applied on top of the others when running in that environment. */
  environments?: Partial<Record<Environment, RealtimeConfigOverrides>>
}

/** A dotted path to one option, e.g. `'websocket.URL'`. */
export type ConfigPath = {
  [S in keyof RealtimeConfig]: `${S & string}.${keyof RealtimeConfig[S] & string}`
}[keyof RealtimeConfig]

/** The type of the option at a path. */
export type ConfigPathValue<P extends ConfigPath> = P extends `${infer S}.${infer K}`
  ? S extends keyof RealtimeConfig
    ? K extends keyof RealtimeConfig[S]
      ? RealtimeConfig[S][K]
      : never
    : never
  : never
