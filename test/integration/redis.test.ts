import { describe, expect, it } from 'vitest'
import { connectTestClient, type SharedReferenceServer } from '../../examples/server'
import { until } from './support/harness'
import { SEED, useRedisInstances } from './support/redisInstances'
import { redisServerInstalled } from './support/redisServer'
import { createWidgetClient, expectConverged } from './support/widgetClient'

/**
 * Several reference server instances on one real `redis-server` (issue 9, "Past one machine"):
 * clients of the package on different instances, real `ws` sockets, real timers. Each test uses
 * its own key prefix on the file's Redis. Without redis-server these fail under CI. The crash
 * tests kill an instance from its `afterApply` hook, so the crash lands at a known op.
 */

const IDS = SEED.map((widget) => widget.id)

describe.skipIf(!redisServerInstalled && !process.env.CI)('reference server instances on Redis', () => {
  const redis = useRedisInstances()
  const startInstances = (n: number) => redis.start(n)
  const redisState = () => redis.state()

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
    const state = await redisState()
    // One broadcast per change (the clients coalesce queued edits of a widget, so fewer than sent).
    expect(state.seq).toBe(state.broadcasts.length)
    expect(state.seq).toBeGreaterThan(IDS.length)
    for (const widget of state.widgets) {
      expect(widget.version).toBe(1 + state.broadcasts.filter((frame) => (frame.data as { id: string }).id === widget.id).length)
      for (const client of clients) expect({ ...client.view(widget.id), version: client.record(widget.id)!.version }).toEqual(widget)
    }
    for (const server of servers) expect(server.seq).toBe(state.seq)
  })

  it('killed between two ops of one flush: its client moves to the next instance and every op is applied exactly once', async () => {
    const n = 20
    const j = 7
    const appliedBy0: string[] = []
    let servers: SharedReferenceServer[] = []
    // Instance 0 crashes right after its j-th op is in Redis, before that op's ACK goes out.
    const afterApply = (opId: string): void => {
      appliedBy0.push(opId)
      if (appliedBy0.length === j) void servers[0]!.kill()
    }
    servers = await redis.start([{ redis: { afterApply } }, {}])
    let connects = 0
    // The first connect goes to instance 0; every reconnect to the next instance that lives.
    const url = () => servers[Math.min(connects++, servers.length - 1)]!.url
    const writer = createWidgetClient({ url })
    const watcher = createWidgetClient({ url: servers[1]!.url })
    await Promise.all([writer.waitForStatus('open'), watcher.waitForStatus('open')])
    await until(() => writer.record('w-1')?.version === 1, 'the writer loaded the seed')

    const opIds: string[] = []
    for (let i = 1; i <= n; i++) opIds.push(writer.update(i % 2 ? 'w-1' : 'w-2', i))
    await until(() => appliedBy0.length === j, `instance 0 applied ${j} ops`)

    await expectConverged(servers[1]!, [writer, watcher], IDS)
    // Instance 0 applied exactly j ops and none after its crash; instance 1 the others.
    expect(servers[0]!.appliedOps()).toEqual(appliedBy0)
    const appliedBy1 = servers[1]!.appliedOps()
    expect(appliedBy1.length).toBe(n - j)
    expect([...appliedBy0, ...appliedBy1].sort()).toEqual([...opIds].sort())
    // The j-th op's ACK never reached the writer: it delivered the op again, to instance 1,
    // which answered from Redis without applying it.
    const lastApplied = appliedBy0[j - 1]!
    expect(servers[1]!.received.some((message) => message.id === lastApplied)).toBe(true)
    expect(servers[1]!.appliedCount(lastApplied)).toBe(0)
    // Redis's stream: each op id exactly once.
    expect([...(await redis.appliedOpIds())].sort()).toEqual([...opIds].sort())
    expect(writer.view('w-1')?.value).toBe(19)
    expect(writer.view('w-2')?.value).toBe(20)
    expect(connects).toBeGreaterThanOrEqual(2)
  })

  it('ACKs lost, then the instance killed: the replays on the next instance get the stored ACKs and apply nothing', async () => {
    // One op per widget: a client sends a widget's next op only after the ACK of the one before.
    const ids = Array.from({ length: 10 }, (_, i) => `w-${i + 1}`)
    const appliedBy0: string[] = []
    let servers: SharedReferenceServer[] = []
    const afterApply = (opId: string): void => {
      appliedBy0.push(opId)
      if (appliedBy0.length === ids.length) void servers[0]!.kill()
    }
    // Neither the ACKs nor the broadcasts (which would settle the ops too) reach the writer.
    servers = await redis.start([{ redis: { afterApply }, server: { faults: { dropAcks: true, dropBroadcasts: Number.MAX_SAFE_INTEGER } } }, {}])
    let connects = 0
    const url = () => servers[Math.min(connects++, servers.length - 1)]!.url
    const writer = createWidgetClient({ url })
    await writer.waitForStatus('open')
    await until(() => writer.record('w-1')?.version === 1, 'the writer loaded the seed')

    const opIds = ids.map((id, i) => writer.update(id, i + 1))
    await until(() => appliedBy0.length === ids.length, `instance 0 applied all ${ids.length} ops`)
    await expectConverged(servers[1]!, [writer], ids)

    // Every op was applied by instance 0 and its ACK lost; instance 1 received every op again
    // and applied none of them.
    expect([...appliedBy0].sort()).toEqual([...opIds].sort())
    const replayed = new Set(servers[1]!.received.map((message) => message.id))
    for (const opId of opIds) expect(replayed.has(opId), `replay of ${opId} on instance 1`).toBe(true)
    expect(servers[1]!.appliedOps()).toEqual([])
    expect([...(await redis.appliedOpIds())].sort()).toEqual([...opIds].sort())

    // The ACK instance 1 gives a replay is the one instance 0 stored.
    const store = await redis.openStore()
    try {
      const probe = await connectTestClient(servers[1]!.url)
      for (const [i, opId] of opIds.entries()) {
        probe.send({ type: 'WIDGET_UPDATE', id: opId, data: { id: ids[i], value: -1 } })
        const answer = await probe.next((message) => message.replyTo === opId)
        expect(answer).toEqual(await store.storedAck(opId))
        // w-1 and w-2 were seeded at version 1, the others created by their op.
        expect(answer.data).toEqual({ key: ids[i], version: i < 2 ? 2 : 1, value: expect.objectContaining({ id: ids[i], value: i + 1 }) })
      }
      await probe.close()
    } finally {
      await store.close()
    }
    expect(servers[1]!.appliedOps()).toEqual([])
    for (const [i, id] of ids.entries()) expect(writer.view(id)?.value).toBe(i + 1)
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
