import { afterAll, afterEach, beforeAll } from 'vitest'
import { startServer, type RedisOptions, type SharedReferenceServer, type StartServerOptions } from '../../../examples/server'
import { RedisStore } from '../../../examples/server/redis/redisStore'
import { cleanup } from './harness'
import { startRedisServer, type RedisServer } from './redisServer'

/**
 * Reference server instances on one real `redis-server` per test file: each test gets its own key
 * prefix, its instances are stopped after it (and the harness's clients disconnected first).
 * Call {@link useRedisInstances} at the top of a `describe`.
 */

/** The widgets every test starts from (version 1). */
export const SEED = [
  { id: 'w-1', title: 'CPU', value: 0 },
  { id: 'w-2', title: 'RAM', value: 0 },
]

/** One instance's options: the server's, and its own Redis options besides the URL and prefix. */
export interface InstanceOptions {
  server?: Omit<StartServerOptions, 'redis' | 'host' | 'port'>
  redis?: Omit<RedisOptions, 'url' | 'prefix'>
}

/** Redis's own state, read apart from any instance. */
export interface RedisState {
  seq: number
  widgets: { id: string; version: number; [field: string]: unknown }[]
  /** Every broadcast in the stream, in order. */
  broadcasts: { type: string; seq: number; data?: unknown }[]
  /** The running byte total the apply script keeps. */
  bytes: number
}

export function useRedisInstances() {
  let redisServer: RedisServer
  let testNumber = 0
  let prefix = ''
  const running = new Set<SharedReferenceServer>()

  beforeAll(async () => {
    redisServer = await startRedisServer()
  })
  afterAll(async () => {
    await redisServer?.stop()
  })
  afterEach(async () => {
    await cleanup()
    const stopping = [...running].map((server) => server.stop())
    running.clear()
    await Promise.all(stopping)
  })

  /** A connection to this test's keys (close it when done). */
  async function openStore(): Promise<RedisStore> {
    const store = new RedisStore({ url: redisServer.url, prefix })
    await store.connect()
    return store
  }

  async function state(): Promise<RedisState> {
    const store = await openStore()
    try {
      const snapshot = await store.snapshot()
      const stream = await store.since(0)
      const bytes = Number((await store.redis.get(`${prefix}bytes`)) ?? 0)
      return { ...snapshot, broadcasts: stream.frames ?? [], bytes }
    } finally {
      await store.close()
    }
  }

  return {
    /** Starts one instance per entry of `each` (default: `n` plain ones) on a fresh key prefix. */
    async start(each: number | InstanceOptions[], common: InstanceOptions['server'] = {}): Promise<SharedReferenceServer[]> {
      prefix = `test-${++testNumber}:`
      const list: InstanceOptions[] = typeof each === 'number' ? Array.from({ length: each }, () => ({})) : each
      // One after the other, so the first seeds Redis and the others find it seeded.
      const servers: SharedReferenceServer[] = []
      for (const options of list) {
        const server = await startServer({
          port: 0,
          host: '127.0.0.1',
          widgets: SEED,
          ...common,
          ...options.server,
          redis: { url: redisServer.url, prefix, ...options.redis },
        })
        running.add(server)
        servers.push(server)
      }
      return servers
    },
    openStore,
    state,
    /** The file's `redis-server`. */
    url: () => redisServer.url,
    /** This test's key prefix. */
    prefix: () => prefix,
    /** The op ids of the broadcasts in the stream, in order (each applied op once). */
    async appliedOpIds(): Promise<(string | undefined)[]> {
      const { broadcasts } = await state()
      return broadcasts.map((frame) => (frame.data as { opId?: string } | undefined)?.opId)
    },
  }
}
