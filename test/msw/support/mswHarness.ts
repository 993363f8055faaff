import { configureStore, type Middleware, type Reducer, type UnknownAction } from '@reduxjs/toolkit'
import { ws, type WebSocketHandlerConnection } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, vi } from 'vitest'
import { createRealtime, type CreateRealtimeOptions, type RealtimeState } from '../../../src'
import { silentLogger } from '../../../src/world/logger'
import type { WebSocketConstructor } from '../../../src/world/webSocket'

/**
 * msw + Node 20, as found with msw 2.15.0 / @mswjs/interceptors 0.41.9:
 *
 * - msw's WebSocket interceptor only wraps an existing, configurable `globalThis.WebSocket`
 *   (its `checkEnvironment()` is `hasConfigurableGlobal('WebSocket')`). Node 20 has no global
 *   WebSocket without `--experimental-websocket`, so `server.listen()` then silently patches
 *   nothing and `globalThis.WebSocket` stays undefined. msw provides no class of its own.
 * - The wrapper is a Proxy whose `construct` trap always returns msw's own in-memory
 *   `WebSocketOverride`; the wrapped class is only constructed for a passthrough
 *   (`server.connect()`), which these tests never do.
 *
 * So a placeholder global is enough: install it before `server.listen()`, and msw's patched
 * global is a working mock in the plain node environment, with or without the flag, with no
 * jsdom. The placeholder throws if anything ever tries to reach a real network through it.
 */
class NoRealNetworkWebSocket {
  constructor(url: string) {
    throw new Error(`test/msw: no real network in msw tests (tried to open ${url})`)
  }
}

/** Installs the placeholder global when there is none; returns the undo. */
export function installWebSocketGlobal(): () => void {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') return () => {}
  Object.defineProperty(globalThis, 'WebSocket', {
    value: NoRealNetworkWebSocket,
    configurable: true,
    writable: true,
    enumerable: false,
  })
  return () => {
    delete (globalThis as { WebSocket?: unknown }).WebSocket
  }
}

export const WS_URL = 'ws://localhost:1234/ws'
export const link = ws.link(WS_URL)

type Client = WebSocketHandlerConnection['client']

/** One socket as the mock server sees it. */
export interface ServerConnection {
  client: Client
  /** Raw frames the client sent, in order. */
  frames: unknown[]
  /** The same frames, parsed. */
  messages: Array<{ type: string; id?: string; data?: any }>
  /** Sends an object as a JSON text frame, or a string / binary frame as is. */
  send(frame: unknown): void
}

/** Every socket the mock server accepted since the last `reset()`, oldest first. */
export const connections: ServerConnection[] = []

function toServerConnection(client: Client): ServerConnection {
  const connection: ServerConnection = {
    client,
    frames: [],
    messages: [],
    send(frame) {
      client.send(
        typeof frame === 'string' || frame instanceof Uint8Array || frame instanceof ArrayBuffer
          ? frame
          : JSON.stringify(frame),
      )
    },
  }
  client.addEventListener('message', (event) => {
    connection.frames.push(event.data)
    connection.messages.push(JSON.parse(String(event.data)))
  })
  return connection
}

/** The record of `client`, made (and listening) on first sight. */
function recordFor(client: Client): ServerConnection {
  let connection = connections.find((c) => c.client === client)
  if (!connection) {
    connection = toServerConnection(client)
    connections.push(connection)
  }
  return connection
}

/** The always-on handler: records every connection and what its client sends. */
const recorder = link.addEventListener('connection', ({ client }) => {
  recordFor(client)
})

export const server = setupServer(recorder)

/**
 * Adds a responder for this test: `onConnection` runs for every new socket (before the socket
 * opens; frames sent from it arrive right after `open`), `onMessage` for every parsed client frame.
 */
export function respond(handlers: {
  onConnection?: (connection: ServerConnection) => void
  onMessage?: (message: { type: string; id?: string; data?: any }, connection: ServerConnection) => void
}): void {
  server.use(
    link.addEventListener('connection', ({ client }) => {
      // `server.use` handlers run before the recorder's: whichever comes first makes the record.
      const connection = recordFor(client)
      handlers.onConnection?.(connection)
      if (handlers.onMessage) {
        client.addEventListener('message', (event) => handlers.onMessage!(JSON.parse(String(event.data)), connection))
      }
    }),
  )
}

export function resetConnections(): void {
  connections.length = 0
}

/** The last connection the mock server accepted. */
export function lastConnection(): ServerConnection {
  const connection = connections.at(-1)
  if (!connection) throw new Error('the mock server has no connection yet')
  return connection
}

const disposers: Array<() => void> = []

/**
 * Registers the file's hooks: placeholder global + `server.listen({ onUnhandledRequest: 'error' })`
 * before all tests; after each, disconnect every store, drop per-test handlers and records.
 */
export function useMswServer(): void {
  let uninstall = () => {}
  beforeAll(() => {
    uninstall = installWebSocketGlobal()
    server.listen({ onUnhandledRequest: 'error' })
  })
  afterEach(() => {
    for (const dispose of disposers.splice(0)) dispose()
    server.resetHandlers()
    resetConnections()
  })
  afterAll(() => {
    server.close()
    uninstall()
  })
}

/** Quiet config for protocol tests: no heartbeat or wake timers running in the background. */
const quietConfig = { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } }

/**
 * A real store wired to msw's patched global WebSocket. Create it after `server.listen()`.
 * `reducers` are extra user reducers mounted next to the realtime one.
 */
export function createMswStore<R extends Record<string, Reducer> = Record<never, Reducer>>(
  options: CreateRealtimeOptions & { reducers?: R; middleware?: Middleware[] } = {},
) {
  const { reducers = {} as R, middleware = [], config, ...realtimeOptions } = options
  const WebSocketImpl = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (!WebSocketImpl || (WebSocketImpl as unknown) === NoRealNetworkWebSocket) {
    throw new Error('createMswStore: call it after server.listen(), so globalThis.WebSocket is msw\'s')
  }
  const realtime = createRealtime({
    url: WS_URL,
    WebSocket: WebSocketImpl,
    environmentListeners: false,
    logger: silentLogger,
    random: () => 0.5,
    ...realtimeOptions,
    config: {
      ...config,
      websocket: { ...quietConfig.websocket, ...config?.websocket },
    },
  })
  const seen: UnknownAction[] = []
  const log: Middleware = () => (next) => (action) => {
    seen.push(action as UnknownAction)
    return next(action)
  }
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer, ...reducers },
    middleware: (getDefault) =>
      getDefault({
        // Keep the checks on; only their "took longer than 32 ms" timing warning is off.
        serializableCheck: { warnAfter: 10_000 },
        immutableCheck: { warnAfter: 10_000 },
      })
        .prepend(log)
        .concat(realtime.middleware, ...middleware),
  })
  disposers.push(() => store.dispatch(realtime.actions.disconnect()))
  type State = { realtime: RealtimeState } & { [K in keyof R]: ReturnType<R[K]> }
  /** The whole state, typed with the user reducers. */
  const state = () => store.getState() as unknown as State
  const connection = () => realtime.selectors.selectConnection(store.getState())
  const ofType = (type: string) => seen.filter((a) => a.type === type)
  const rejected = () => ofType('realtime/connection/messageRejected')
  const inbound = () => seen.filter((a) => (a.meta as { realtime?: unknown } | undefined)?.realtime !== undefined)
  const waitForOpen = () => until(() => connection().status === 'open', 'the socket to open')
  return { realtime, store, state, seen, connection, ofType, rejected, inbound, waitForOpen }
}

/** Polls (real or fake-timer-safe) until `check` is true. */
export async function until(check: () => boolean, what = 'the condition'): Promise<void> {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error(`timed out waiting for ${what}`)
    },
    { timeout: 2000, interval: 2 },
  )
}
