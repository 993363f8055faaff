/**
 * Settings the dashboard reads from its URL's query string, so tests and demos can shorten the
 * timings without a rebuild:
 *
 *   ?reconnectDelay=50      websocket.RECONNECT_DELAY, base of the reconnect backoff (ms)
 *   ?reconnectMaxDelay=500  websocket.RECONNECT_MAX_DELAY (ms)
 *   ?reconnectAttempts=10   websocket.RECONNECT_ATTEMPTS
 *   ?heartbeat=1000         websocket.HEARTBEAT_INTERVAL (ms; 0 turns the heartbeat off)
 *   ?pongTimeout=500        websocket.PONG_TIMEOUT (ms)
 *   ?connectTimeout=2000    websocket.CONNECT_TIMEOUT (ms)
 *   ?requestTimeout=2000    websocket.REQUEST_TIMEOUT (ms), also the Ping button's timeout
 *   ?ws=ws://host:port/ws   the socket URL (default: ws(s)://<the host serving the page>/ws)
 *   ?conflict=LOCAL_WINS    optimistic.CONFLICT_RESOLUTION: what happens when a server change lands
 *                           on a widget with pending edits (REMOTE_WINS, the default: the edits are
 *                           rolled back; LOCAL_WINS: they stay on top of the server's change;
 *                           MERGE: field by field, the server keeps the fields it changed)
 *   ?debounce=1000          updates.DEBOUNCE_DELAY (ms): the slider's debounce window, during which
 *                           an edit is still being made (a server change meanwhile is no conflict)
 *   ?user=alice             the demo user: the persisted outbox's namespace (`outbox.namespace`),
 *                           so two tabs of `alice` share one outbox and a tab of `bob` has its own
 *                           (default `demo`; letters, digits, `-` and `_`, at most 40)
 *
 * Example: http://localhost:3000/?reconnectDelay=50&heartbeat=1000&conflict=MERGE&user=alice
 *
 * The conflict strategy is part of the config, which `createRealtime` fixes when the store is
 * created: the page's strategy selector therefore reloads the page with a new `?conflict=`.
 *
 * Values that are not numbers in range are ignored and listed in the page's header, never thrown:
 * a typo in a URL must not blank the dashboard.
 */
import type { ConflictResolution, OptimisticConfig, UpdatesConfig, WebSocketConfig } from 'rtk-realtime'

/** What the dashboard uses for the heartbeat unless `?heartbeat=` says otherwise: livelier than the package's 30 s. */
export const DASHBOARD_HEARTBEAT_MS = 5_000

type NumericOption = {
  [K in keyof WebSocketConfig]: WebSocketConfig[K] extends number ? K : never
}[keyof WebSocketConfig]

const NUMERIC_PARAMS: ReadonlyArray<{ param: string; option: NumericOption; min: number; integer?: boolean }> = [
  { param: 'reconnectDelay', option: 'RECONNECT_DELAY', min: 1 },
  { param: 'reconnectMaxDelay', option: 'RECONNECT_MAX_DELAY', min: 1 },
  { param: 'reconnectAttempts', option: 'RECONNECT_ATTEMPTS', min: 0, integer: true },
  { param: 'heartbeat', option: 'HEARTBEAT_INTERVAL', min: 0 },
  { param: 'pongTimeout', option: 'PONG_TIMEOUT', min: 1 },
  { param: 'connectTimeout', option: 'CONNECT_TIMEOUT', min: 1 },
  { param: 'requestTimeout', option: 'REQUEST_TIMEOUT', min: 1 },
]

/** The strategies `?conflict=` accepts, in the order the selector lists them. */
export const CONFLICT_STRATEGIES: readonly ConflictResolution[] = ['REMOTE_WINS', 'LOCAL_WINS', 'MERGE']

/** The package's default strategy, used without `?conflict=`. */
export const DEFAULT_CONFLICT_STRATEGY: ConflictResolution = 'REMOTE_WINS'

/** The demo user without `?user=`. */
export const DEFAULT_USER = 'demo'

const USER_PATTERN = /^[A-Za-z0-9_-]{1,40}$/

/** The dashboard's settings. */
export interface DashboardSettings {
  /** Socket URL override from `?ws=`, or null for the page's own host. */
  url: string | null
  /** Overrides of `config.websocket`. */
  websocket: Partial<WebSocketConfig>
  /** Overrides of `config.optimistic` (`CONFLICT_RESOLUTION` from `?conflict=`). */
  optimistic: Partial<OptimisticConfig>
  /** Overrides of `config.updates` (`DEBOUNCE_DELAY` from `?debounce=`). */
  updates: Partial<UpdatesConfig>
  /** The conflict strategy in force (from `?conflict=`, else the default). */
  conflict: ConflictResolution
  /** The demo user (`?user=`, else {@link DEFAULT_USER}): the persisted outbox's namespace. */
  user: string
  /** Query parameters that were ignored, with why. */
  ignored: string[]
}

/** Parses the query string (`location.search`). */
export function readSettings(search: string): DashboardSettings {
  const params = new URLSearchParams(search)
  const websocket: Partial<WebSocketConfig> = { HEARTBEAT_INTERVAL: DASHBOARD_HEARTBEAT_MS }
  const ignored: string[] = []
  for (const { param, option, min, integer } of NUMERIC_PARAMS) {
    const raw = params.get(param)
    if (raw === null) continue
    const value = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      ignored.push(`?${param}=${raw} (expected ${integer ? 'an integer' : 'a number'} ≥ ${min})`)
      continue
    }
    websocket[option] = value
  }
  // The backoff cap must not be below its base, or the config is refused.
  if (websocket.RECONNECT_DELAY !== undefined && websocket.RECONNECT_MAX_DELAY === undefined) {
    websocket.RECONNECT_MAX_DELAY = Math.max(websocket.RECONNECT_DELAY * 20, websocket.RECONNECT_DELAY)
  }
  let url: string | null = null
  const ws = params.get('ws')
  if (ws !== null) {
    if (/^wss?:\/\/[^/]/.test(ws)) url = ws
    else ignored.push(`?ws=${ws} (expected a ws:// or wss:// URL)`)
  }
  const optimistic: Partial<OptimisticConfig> = {}
  let conflict = DEFAULT_CONFLICT_STRATEGY
  const rawConflict = params.get('conflict')
  if (rawConflict !== null) {
    const strategy = CONFLICT_STRATEGIES.find((s) => s === rawConflict.trim().toUpperCase())
    if (strategy) {
      conflict = strategy
      optimistic.CONFLICT_RESOLUTION = strategy
    } else {
      ignored.push(`?conflict=${rawConflict} (expected ${CONFLICT_STRATEGIES.join(', ')})`)
    }
  }
  const updates: Partial<UpdatesConfig> = {}
  const rawDebounce = params.get('debounce')
  if (rawDebounce !== null) {
    const value = Number(rawDebounce)
    if (rawDebounce.trim() !== '' && Number.isFinite(value) && value >= 0) updates.DEBOUNCE_DELAY = value
    else ignored.push(`?debounce=${rawDebounce} (expected a number ≥ 0)`)
  }
  let user = DEFAULT_USER
  const rawUser = params.get('user')
  if (rawUser !== null) {
    if (USER_PATTERN.test(rawUser)) user = rawUser
    else ignored.push(`?user=${rawUser} (expected 1 to 40 letters, digits, - or _)`)
  }
  return { url, websocket, optimistic, updates, conflict, user, ignored }
}

/** The query string `search` with `?conflict=` set to `strategy` (the other parameters kept). */
export function withConflictStrategy(search: string, strategy: ConflictResolution): string {
  const params = new URLSearchParams(search)
  if (strategy === DEFAULT_CONFLICT_STRATEGY) params.delete('conflict')
  else params.set('conflict', strategy)
  const query = params.toString()
  return query === '' ? '' : `?${query}`
}

/** The socket URL for this page: the same host that served it, path `/ws`. */
export function defaultSocketUrl(loc: Pick<Location, 'protocol' | 'host'>): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`
}
