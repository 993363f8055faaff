import { configureStore, type Middleware, type Reducer, type UnknownAction } from '@reduxjs/toolkit'
import { vi } from 'vitest'
import { WebSocket } from 'ws'
import {
  createRealtime,
  silentLogger,
  type ConnectionStatus,
  type CreateRealtimeOptions,
  type RealtimeConfigInput,
} from 'rtk-realtime'
import { startServer, type ReferenceServer, type StartServerOptions } from '../../../examples/server'

/**
 * Integration harness: real `ws` sockets against the reference server on a random loopback
 * port, real timers, short delays. Everything started here is torn down by {@link cleanup},
 * which every file runs in `afterEach`.
 */

/** Short delays so reconnects and heartbeats happen within a test; tests override what they measure. */
export const FAST_WEBSOCKET = {
  RECONNECT_DELAY: 50,
  RECONNECT_MAX_DELAY: 200,
  // Long enough that a busy CI machine never declares a healthy socket dead in a test that is
  // not about the heartbeat; the heartbeat test sets 200 / 150.
  HEARTBEAT_INTERVAL: 500,
  PONG_TIMEOUT: 1000,
  CONNECT_TIMEOUT: 2000,
  REQUEST_TIMEOUT: 2000,
} as const

/** Longest any condition is polled for. */
export const WAIT_TIMEOUT = 5000

const servers = new Set<ReferenceServer>()
const clients = new Set<Client>()

/** Starts a reference server on 127.0.0.1 (random port unless the test re-listens on a known one). */
export async function startTestServer(options: Omit<StartServerOptions, 'host' | 'redis'> = {}): Promise<ReferenceServer> {
  const server = await startServer({ port: 0, ...options, host: '127.0.0.1' })
  servers.add(server)
  return server
}

/** Disconnects every client, then stops every server. */
export async function cleanup(): Promise<void> {
  for (const client of clients) client.disconnect()
  clients.clear()
  const stopping = [...servers].map((server) => server.stop())
  servers.clear()
  await Promise.all(stopping)
}

/**
 * Polls `condition` every 5 ms until it holds, failing after `timeout` ms with `message` (a
 * function is evaluated at the failure, so it can report the state at that moment).
 */
export async function until(
  condition: () => boolean,
  message: string | (() => string),
  timeout = WAIT_TIMEOUT,
): Promise<void> {
  await vi.waitFor(
    () => {
      if (condition()) return
      const what = typeof message === 'function' ? message() : message
      throw new Error(`timed out after ${timeout} ms waiting for: ${what}`)
    },
    { timeout, interval: 5 },
  )
}

/** A seeded PRNG (mulberry32): real jitter, reproducible runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An action as the recording middleware saw it, with `performance.now()` at dispatch. */
export interface Recorded {
  action: UnknownAction
  at: number
}

export interface ClientOptions extends Omit<CreateRealtimeOptions, 'config'> {
  /** Merged over {@link FAST_WEBSOCKET}. */
  config?: RealtimeConfigInput
  /** Extra reducers next to the realtime one. */
  reducers?: Record<string, Reducer>
  /** Raise RTK's slow-check warning threshold (for the bulk test only). */
  checksWarnAfter?: number
  /** Called by the recording middleware for every action (before it reaches the reducers). */
  onAction?: (action: UnknownAction) => void
}

/** Builds a store the way a user does: default middleware (checks on) plus the realtime middleware. */
export function createClient(options: ClientOptions = {}) {
  const { config = {}, reducers = {}, checksWarnAfter, onAction, ...realtimeOptions } = options
  const realtime = createRealtime({
    WebSocket,
    logger: silentLogger,
    environmentListeners: false,
    ...realtimeOptions,
    config: { ...config, websocket: { ...FAST_WEBSOCKET, ...config.websocket } },
  })
  const log: Recorded[] = []
  const recorder: Middleware = () => (next) => (action) => {
    log.push({ action: action as UnknownAction, at: performance.now() })
    onAction?.(action as UnknownAction)
    return next(action)
  }
  const store = configureStore({
    reducer: { ...reducers, [realtime.reducerPath]: realtime.reducer },
    middleware: (getDefaultMiddleware) =>
      // The checks run on every action; only their "took longer than 32 ms" timing warning is
      // raised, since a loaded CI machine trips it without anything being wrong.
      getDefaultMiddleware({
        serializableCheck: { warnAfter: checksWarnAfter ?? 500 },
        immutableCheck: { warnAfter: checksWarnAfter ?? 500 },
      })
        .prepend(recorder)
        .concat(realtime.middleware),
  })

  const { actions } = realtime
  const connection = () => realtime.selectors.selectConnection(store.getState())
  const ofType = (type: string): Recorded[] => log.filter((r) => r.action.type === type)

  const client = {
    realtime,
    store,
    actions,
    /** Every action dispatched to the store, in order. */
    log,
    connection,
    ofType,
    /** Payloads of the actions of one type, in order. */
    payloads: <P = any>(type: string): P[] => ofType(type).map((r) => (r.action as unknown as { payload: P }).payload),
    waitForStatus: (status: ConnectionStatus, timeout = WAIT_TIMEOUT) =>
      until(() => connection().status === status, () => `status "${status}" (is "${connection().status}")`, timeout),
    /** Waits until an action of `type` was dispatched after log index `from`; resolves with it. */
    async waitForAction(type: string, from = 0, timeout = WAIT_TIMEOUT): Promise<Recorded> {
      let found: Recorded | undefined
      await until(
        () => (found = log.slice(from).find((r) => r.action.type === type)) !== undefined,
        `an action "${type}" after #${from}`,
        timeout,
      )
      return found!
    },
    disconnect: () => {
      store.dispatch(actions.disconnect())
    },
  }
  clients.add(client)
  return client
}

export type Client = ReturnType<typeof createClient>
