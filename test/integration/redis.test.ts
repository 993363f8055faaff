import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../../examples/server/redis/redisStore'
import type { ReferenceServer } from '../../examples/server'
import { cleanup, startTestServer, until } from './support/harness'
import { redisServerInstalled, startRedisServer, type RedisServer } from './support/redisServer'
import { createWidgetClient, expectConverged } from './support/widgetClient'

/**
 * Several reference server instances on one real `redis-server` (issue 9, "Past one machine"):
 * clients of the package on different instances, real `ws` sockets, real timers. Each test uses
 * its own key prefix on the file's Redis. Without redis-server these fail under CI.
 */

const SEED = [
  { id: 'w-1', title: 'CPU', value: 0 },
  { id: 'w-2', title: 'RAM', value: 0 },
]
const IDS = SEED.map((widget) => widget.id)

let redisServer: RedisServer
let testNumber = 0
let prefix = ''

describe.skipIf(!redisServerInstalled && !process.env.CI)('reference server instances on Redis', () => {
  beforeAll(async () => {
    redisServer = await startRedisServer()
  })
  afterAll(async () => {
    await redisServer?.stop()
  })
  afterEach(cleanup)

  const startInstances = (n: number): Promise<ReferenceServer[]> => {
    prefix = `test-${++testNumber}:`
    return Promise.all(Array.from({ length: n }, () => startTestServer({ widgets: SEED, redis: { url: redisServer.url, prefix } })))
  }

  /** Redis's own state, read apart from any instance. */
  async function redisState() {
    const store = new RedisStore({ url: redisServer.url, prefix })
    await store.connect()
    try {
      const snapshot = await store.snapshot()
      const stream = await store.since(0)
      return { ...snapshot, broadcasts: stream.frames ?? [] }
    } finally {
      await store.close()
    }
  }

  it('clients on three instances edit the same widgets concurrently and converge to Redis state', async () => {
    const servers = await startInstances(3)
    const clients = servers.map((server) => createWidgetClient({ url: server.url }))
    await Promise.all(clients.map((client) => client.waitForStatus('open')))
    await until(() => clients.every((client) => IDS.every((id) => client.record(id)?.version === 1)), 'every client loaded the seed')

    for (let round = 0; round < 20; round++) {
      clients.forEach((client, c) => {
        for (const id of IDS) client.update(id, round * 10 + c)
        if (round % 5 === 0) client.rename('w-1', `title ${round}.${c}`)
      })
      if (round % 4 === 0) await new Promise((resolve) => setImmediate(resolve))
    }

    // Every instance's mirror ends where Redis is, and every client where its instance is.
    for (const server of servers) await expectConverged(server, clients, IDS)
    const redis = await redisState()
    // One broadcast per change (the clients coalesce queued edits of a widget, so fewer than sent).
    expect(redis.seq).toBe(redis.broadcasts.length)
    expect(redis.seq).toBeGreaterThan(IDS.length)
    for (const widget of redis.widgets) {
      expect(widget.version).toBe(1 + redis.broadcasts.filter((frame) => (frame.data as { id: string }).id === widget.id).length)
      for (const client of clients) expect({ ...client.view(widget.id), version: client.record(widget.id)!.version }).toEqual(widget)
    }
    for (const server of servers) expect(server.seq).toBe(redis.seq)
  })

  it('a killed instance: its clients move to another one (the url function picks the next) and every op is applied exactly once', async () => {
    const servers = await startInstances(2)
    let connects = 0
    // The first connect goes to instance 0; every reconnect to the next instance that lives.
    const url = () => servers[Math.min(connects++, servers.length - 1)]!.url
    const writer = createWidgetClient({ url })
    const watcher = createWidgetClient({ url: servers[1]!.url })
    await Promise.all([writer.waitForStatus('open'), watcher.waitForStatus('open')])
    await until(() => writer.record('w-1')?.version === 1, 'the writer loaded the seed')

    const opIds: string[] = []
    for (let i = 1; i <= 30; i++) opIds.push(writer.update(i % 2 ? 'w-1' : 'w-2', i))
    // Killed while the batch of ops is on its way: some are applied, some not, some ACKs lost.
    await until(() => servers[0]!.received.length > 0, 'instance 0 received ops')
    await servers[0]!.kill()

    await expectConverged(servers[1]!, [writer, watcher], IDS)
    const redis = await redisState()
    const appliedOpIds = redis.broadcasts.map((frame) => (frame.data as { opId?: string }).opId)
    expect([...appliedOpIds].sort()).toEqual([...opIds].sort())
    expect(writer.view('w-1')?.value).toBe(29)
    expect(writer.view('w-2')?.value).toBe(30)
    expect(connects).toBeGreaterThanOrEqual(2)
  })

  it('SYNC on another instance fills a gap from the shared stream', async () => {
    const servers = await startInstances(2)
    const writer = createWidgetClient({ url: servers[0]!.url })
    await writer.waitForStatus('open')
    await until(() => writer.record('w-1')?.version === 1, 'the writer loaded the seed')
    for (let i = 1; i <= 3; i++) writer.update('w-1', i)
    await until(() => writer.pendingCount() === 0, 'the first ops ACKed')
    const seenSeq = servers[0]!.seq

    // One at a time, so the client does not coalesce them into one op.
    for (let i = 4; i <= 6; i++) {
      writer.update('w-2', i)
      await until(() => writer.pendingCount() === 0, `op ${i} ACKed`)
    }

    const reader = createWidgetClient({ url: servers[1]!.url })
    await reader.waitForStatus('open')
    const reply = await reader.store.dispatch(reader.realtime.request('SYNC', { since: seenSeq }))
    const data = reply.data as { seq: number; messages: { seq: number; data: { id: string; value: number } }[]; snapshot?: boolean }
    expect(data.snapshot).toBeUndefined()
    expect(data.seq).toBe(seenSeq + 3)
    expect(data.messages.map((frame) => frame.seq)).toEqual([seenSeq + 1, seenSeq + 2, seenSeq + 3])
    expect(data.messages.map((frame) => frame.data.value)).toEqual([4, 5, 6])
  })
})
