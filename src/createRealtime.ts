import { combineReducers, nanoid, type Reducer } from '@reduxjs/toolkit'
import { all, fork } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import { createConfig, type ResolvedConfig } from './config/createConfig'
import { detectEnvironment } from './config/environment'
import type { Environment, RealtimeConfigInput } from './config/types'
import { connectionSaga } from './connection/connectionSaga'
import { createConnectionSlice, type ConnectionActions } from './connection/connectionSlice'
import { environmentSaga } from './connection/environmentSaga'
import { browserEnvironment, type EnvironmentInstaller } from './connection/environmentListeners'
import { createInboundRouter, type InboundRoutes } from './connection/inboundRouter'
import { requestSaga } from './connection/requestSaga'
import type { ConnectionRuntime, UrlOption } from './connection/runtime'
import { createConnectionSelectors, type ConnectionSelectors } from './connection/selectors'
import type { ConnectionState } from './connection/types'
import { createRealtimeMiddleware, type RequestAction } from './createRealtimeMiddleware'
import { validateRealtimeOptions } from './validateRealtimeOptions'
import type { Codec } from './protocol/codec'
import { createJsonCodec } from './protocol/jsonCodec'
import { consoleLogger, type Logger } from './world/logger'
import { defaultTimers, type TimerProvider } from './world/timers'
import { globalWebSocket, type WebSocketConstructor } from './world/webSocket'

/** Options of {@link createRealtime}. Everything is optional. */
export interface CreateRealtimeOptions<ReducerPath extends string = 'realtime'> {
  /** Where the reducer is mounted, and the prefix of every action type. @default 'realtime' */
  reducerPath?: ReducerPath
  /**
   * The socket URL, or a function (sync or async) called before every connection attempt, so
   * each reconnect can carry a fresh auth token.
   * @default config.websocket.URL
   */
  url?: UrlOption
  /** Overrides of the defaults, with per-environment overrides under `environments`. */
  config?: RealtimeConfigInput
  /** Which `config.environments` entry applies. @default from NODE_ENV: 'production', 'test', else 'development' */
  env?: Environment
  /**
   * How inbound message types become actions: `{ STATS: 'stats/received' }`, an action creator
   * (`{ STATS: statsReceived }`), or `{ STATS: { action, validate } }`. Types not listed arrive as
   * `realtime/connection/messageReceived`.
   * @default {}
   */
  inbound?: InboundRoutes
  /** The wire format. @default createJsonCodec({ maxFrameBytes: config.websocket.MAX_FRAME_BYTES }) */
  codec?: Codec
  /** The WebSocket constructor. @default globalThis.WebSocket, looked up at each attempt */
  WebSocket?: WebSocketConstructor
  /** Clock and timers. @default the globals, looked up lazily (so fake timers work) */
  timers?: TimerProvider
  /** Random numbers in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number
  /** Where problems that cannot go into state are reported. @default console warnings and errors */
  logger?: Logger
  /** Makes request ids. @default nanoid */
  generateId?: () => string
  /**
   * Subscribes to online/offline/visibility and reports them; `false` installs nothing.
   * @default browserEnvironment (a no-op where there is no window)
   */
  environmentListeners?: EnvironmentInstaller | false
  /**
   * Run the package's saga on a saga middleware of its own. Set to false when your store already
   * runs redux-saga and you fork `realtime.saga` in your root saga instead.
   * @default true
   */
  runSaga?: boolean
}

/** Options of a request. */
export interface RequestOptions {
  /** How long to wait for the reply, in ms. @default config.websocket.REQUEST_TIMEOUT */
  timeout?: number
}

/** The state under `reducerPath`. */
export interface RealtimeState {
  connection: ConnectionState
}

/** The slice of the root state that the package owns. */
export type RealtimeRootState<ReducerPath extends string = 'realtime'> = { [K in ReducerPath]: RealtimeState }

/** What {@link createRealtime} returns: RTK Query's `createApi` shape. */
export interface Realtime<ReducerPath extends string = 'realtime'> {
  /** The key to mount `reducer` under; a literal type, so `{ [realtime.reducerPath]: realtime.reducer }` types well. */
  readonly reducerPath: ReducerPath
  readonly reducer: Reducer<RealtimeState>
  /** Add it with `.concat(realtime.middleware)`; it starts the socket saga on its own. */
  readonly middleware: ReturnType<typeof createRealtimeMiddleware>
  /** The root saga, for `runSaga: false` stores that fork it themselves. */
  readonly saga: () => SagaIterator<void>
  /** Every action creator of the package; the public ones are `connect`, `disconnect`, `send`, `online`, `offline`, `visibilityChanged`, `livenessCheck`. */
  readonly actions: ConnectionActions
  readonly selectors: ConnectionSelectors
  /**
   * Makes a request action. `await store.dispatch(realtime.request('ECHO', data))` resolves with
   * the reply envelope (the frame whose `replyTo` is this request's id) or rejects with a plain
   * `{ name, message, code }`: `REQUEST_TIMEOUT`, `REQUEST_REJECTED` (a NACK or ERROR reply) or
   * `BUFFER_FULL`.
   */
  request(type: string, data?: unknown, options?: RequestOptions): RequestAction
  readonly config: ResolvedConfig
  readonly getConfig: ResolvedConfig['getConfig']
  readonly isFeatureEnabled: ResolvedConfig['isFeatureEnabled']
}

/**
 * Creates the real-time layer: one reducer, one middleware, and their actions and selectors.
 *
 * @throws {TypeError} at once for a misspelt or mistyped option, an invalid config, or a malformed inbound route.
 */
export function createRealtime<const ReducerPath extends string = 'realtime'>(
  options: CreateRealtimeOptions<ReducerPath> = {},
): Realtime<ReducerPath> {
  validateRealtimeOptions(options)
  const reducerPath = (options.reducerPath ?? 'realtime') as ReducerPath
  const config = createConfig(options.config, { environment: options.env ?? detectEnvironment() })
  const values = config.values
  const slice = createConnectionSlice({ reducerPath, maxBufferedSends: values.websocket.MAX_BUFFERED_SENDS })
  const actions = slice.actions
  const selectors = createConnectionSelectors(reducerPath)
  const timers = options.timers ?? defaultTimers
  const logger = options.logger ?? consoleLogger
  const generateId = options.generateId ?? nanoid

  const runtime: ConnectionRuntime = {
    actions,
    config: values,
    codec: options.codec ?? createJsonCodec({ maxFrameBytes: values.websocket.MAX_FRAME_BYTES }),
    timers,
    random: options.random ?? Math.random,
    logger,
    url: options.url ?? values.websocket.URL,
    getWebSocket: () => options.WebSocket ?? globalWebSocket(),
    route: createInboundRouter(reducerPath, options.inbound),
    selectConnection: selectors.selectConnection,
    environmentListeners: options.environmentListeners ?? browserEnvironment,
  }

  function* saga(): SagaIterator<void> {
    yield all([fork(environmentSaga, runtime), fork(requestSaga, runtime), fork(connectionSaga, runtime)])
  }

  function request(type: string, data?: unknown, requestOptions: RequestOptions = {}): RequestAction {
    if (typeof type !== 'string' || type === '') {
      throw new TypeError(`rtk-realtime: realtime.request(type): type must be a non-empty string, got ${String(type)}`)
    }
    const timeoutMs = requestOptions.timeout ?? values.websocket.REQUEST_TIMEOUT
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new TypeError(`rtk-realtime: realtime.request("${type}", data, { timeout }): timeout must be a positive number of ms, got ${String(timeoutMs)}`)
    }
    const requestId = generateId()
    const message = data === undefined ? { type, id: requestId } : { type, id: requestId, data }
    const action = actions.requestStarted({ requestId, message, timeoutMs, startedAt: timers.now() })
    return { ...action, meta: { realtimeRequest: true } }
  }

  const reducer = combineReducers({ connection: slice.reducer }) as Reducer<RealtimeState>
  const middleware = createRealtimeMiddleware({
    reducerPath,
    actions,
    rootSaga: saga,
    runSaga: options.runSaga ?? true,
    logger,
  })

  return {
    reducerPath,
    reducer,
    middleware,
    saga,
    actions,
    selectors,
    request,
    config,
    getConfig: config.getConfig,
    isFeatureEnabled: config.isFeatureEnabled,
  }
}
