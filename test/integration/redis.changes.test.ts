import { describe, expect, it } from 'vitest'
import { connectTestClient, startDemoTicker, type WireMessage } from '../../examples/server'
import { until } from './support/harness'
import { SEED, useRedisInstances } from './support/redisInstances'
import { redisServerInstalled } from './support/redisServer'
import { createWidgetClient, expectConverged } from './support/widgetClient'

/**
 * The in-process changes of instances on Redis (issue 9): `touch`, `deleteWidget`, `seedWidgets`
 * and `broadcast` (and the CONTROL frames that use them) go through Redis, so every instance's
 * clients see them with the one global `seq`; the demo ticker moves widgets through Redis; `blast`
 * stays with the instance's own clients. Real `redis-server`, real sockets.
 */

const IDS = SEED.map((widget) => widget.id)
const broadcastsOf = (messages: WireMessage[]) => messages.filter((message) => message.seq !== undefined)

describe.skipIf(!redisServerInstalled && !process.env.CI)('in-process changes of instances on Redis', () => {
  const redis = useRedisInstances()

  it('touch, deleteWidget and broadcast on one instance reach the clients of every instance, numbered with the client ops in one seq', async () => {
    const servers = await redis.start(2)
    const editor = createWidgetClient({ url: servers[1]!.url })
    const probes = await Promise.all(servers.map((server) => connectTestClient(server.url)))
    await editor.waitForStatus('open')
    await until(() => editor.record('w-1')?.version === 1, 'the editor loaded the seed')

    editor.update('w-1', 5)
    await until(() => editor.pendingCount() === 0, 'the op ACKed')
    expect(await servers[0]!.touch('w-2', { value: 7 })).toBe(2)
    expect(await servers[1]!.broadcast('HELLO', { n: 1 })).toBe(3)
    expect(await servers[0]!.broadcast('BARE')).toBe(4)
    expect(await servers[0]!.deleteWidget('w-1')).toBe(3)
    expect(await servers[1]!.deleteWidget('w-1')).toBeUndefined()
    expect(await servers[0]!.touch('w-3')).toBe(1)
    await expect(servers[0]!.touch('', {})).rejects.toThrow(TypeError)
    await expect(servers[0]!.deleteWidget(42 as never)).rejects.toThrow(/deleteWidget needs a widget id/)

    // Both instances' clients got the same six broadcasts, in seq order.
    const expected = [
      { seq: 1, type: 'WIDGET_UPDATE', data: expect.objectContaining({ id: 'w-1', value: 5, version: 2, opId: expect.any(String) }) },
      { seq: 2, type: 'WIDGET_UPDATE', data: { id: 'w-2', title: 'RAM', value: 7, version: 2 } },
      { seq: 3, type: 'HELLO', data: { n: 1 } },
      { seq: 4, type: 'BARE' },
      { seq: 5, type: 'WIDGET_UPDATE', data: { id: 'w-1', version: 3, deleted: true } },
      { seq: 6, type: 'WIDGET_UPDATE', data: { id: 'w-3', version: 1 } },
    ]
    for (const probe of probes) {
      await until(() => broadcastsOf(probe.messages).length === 6, 'six broadcasts')
      expect(broadcastsOf(probe.messages).map(({ ts: _ts, ...frame }) => frame)).toEqual(expected)
    }
    for (const server of servers) {
      await until(() => server.seq === 6 && server.widget('w-1') === undefined && server.widget('w-3') !== undefined, 'the mirror caught up')
      expect(server.widgets()).toEqual([
        { id: 'w-2', title: 'RAM', value: 7, version: 2 },
        { id: 'w-3', version: 1 },
      ])
    }
    await expectConverged(servers[0]!, [editor], ['w-2', 'w-3'])
    expect(editor.view('w-1')).toBeNull()
    await Promise.all(probes.map((probe) => probe.close()))
  })

  it('seedWidgets replaces the widgets for every instance without a broadcast; versions continue', async () => {
    const servers = await redis.start(2)
    await servers[0]!.touch('w-1', { value: 1 })
    await servers[1]!.seedWidgets([{ id: 'w-1', title: 'again' }, { id: 'w-9', value: 9 }, { id: 'w-9', value: 10 }])
    for (const server of servers) {
      await until(() => server.widget('w-9') !== undefined, 'the mirror took the seed')
      expect(server.widgets()).toEqual([
        { id: 'w-1', title: 'again', version: 3 },
        { id: 'w-9', value: 10, version: 1 },
      ])
    }
    const state = await redis.state()
    expect(state.seq).toBe(1)
    expect(state.broadcasts).toHaveLength(1)
    expect(state.widgets).toEqual(servers[0]!.widgets())
    expect(state.bytes).toBe([{ title: 'again', id: 'w-1' }, { value: 10, id: 'w-9' }].reduce((sum, widget) => sum + JSON.stringify(widget).length, 0))
    // A client's SYNC on either instance gets the seeded widgets at seq 1 (the seed is not a broadcast).
    const probe = await connectTestClient(servers[0]!.url)
    const reply = (await probe.request('SYNC', { since: 0 })).data as { seq: number; widgets: unknown[] }
    expect(reply.seq).toBe(1)
    expect(reply.widgets).toEqual(state.widgets)
    await expect(servers[0]!.seedWidgets([{ title: 'no id' } as never])).rejects.toThrow(/every seeded widget needs an id/)
    await probe.close()
  })

  it('CONTROL touch, delete, seed and broadcast answer once Redis has them', async () => {
    const servers = await redis.start(2, { allowControl: true })
    const control = await connectTestClient(servers[0]!.url)
    const watcher = await connectTestClient(servers[1]!.url)
    const run = async (data: Record<string, unknown>) => (await control.request('CONTROL', data)).data
    expect(await run({ op: 'touch', id: 'w-1', patch: { value: 3 } })).toEqual({ done: true, version: 2 })
    expect(await run({ op: 'delete', id: 'w-2' })).toEqual({ done: true, version: 2 })
    expect(await run({ op: 'delete', id: 'w-404' })).toEqual({ done: true, version: null })
    expect(await run({ op: 'broadcast', messageType: 'NOTE', payload: { a: 1 } })).toEqual({ done: true, seq: 3 })
    expect(await run({ op: 'seed', widgets: [{ id: 'w-5' }, { id: 'w-5' }, { id: 'w-6' }] })).toEqual({ done: true, count: 2 })
    expect((await control.request('CONTROL', { op: 'touch', id: '' })).type).toBe('ERROR')
    await until(() => broadcastsOf(watcher.messages).length === 3, 'the other instance relayed three broadcasts')
    expect(broadcastsOf(watcher.messages).map((frame) => [frame.seq, frame.type])).toEqual([
      [1, 'WIDGET_UPDATE'],
      [2, 'WIDGET_UPDATE'],
      [3, 'NOTE'],
    ])
    await Promise.all([control.close(), watcher.close()])
  })

  it('the demo ticker on one instance moves the widgets through Redis: every instance sees the moves', async () => {
    const servers = await redis.start(2)
    const watcher = createWidgetClient({ url: servers[1]!.url })
    await watcher.waitForStatus('open')
    await until(() => watcher.record('w-1')?.version === 1, 'the watcher loaded the seed')
    const errors: unknown[] = []
    const ticker = startDemoTicker(servers[0]!, { widgetIds: IDS, intervalMs: 60_000, random: () => 0.9, onError: (_id, error) => errors.push(error) })
    try {
      ticker.tick()
      await until(() => IDS.every((id) => watcher.record(id)?.version === 2), 'the watcher saw every widget move')
      // Each value moved by +4 from 0, in Redis as on the watcher.
      const state = await redis.state()
      expect(state.widgets.map((widget) => [widget.id, widget.value, widget.version])).toEqual([
        ['w-1', 4, 2],
        ['w-2', 4, 2],
      ])
      await expectConverged(servers[1]!, [watcher], IDS)
      expect(errors).toEqual([])
    } finally {
      ticker.stop()
    }
  })

  it('blast stays with the instance\u2019s own clients, unnumbered, and leaves the global seq alone', async () => {
    const servers = await redis.start(2)
    const [own, other] = await Promise.all(servers.map((server) => connectTestClient(server.url)))
    await servers[0]!.blast(3, (i) => ({ type: 'TICK', data: { i } }))
    await until(() => own!.messages.filter((message) => message.type === 'TICK').length === 3, 'three blasted frames')
    expect(own!.messages.filter((message) => message.type === 'TICK').map((message) => [message.data, message.seq])).toEqual([
      [{ i: 0 }, undefined],
      [{ i: 1 }, undefined],
      [{ i: 2 }, undefined],
    ])
    // A round trip on the other instance after a numbered broadcast: it saw no TICK.
    expect(await servers[0]!.broadcast('AFTER')).toBe(1)
    await other!.next((message) => message.type === 'AFTER')
    expect(other!.messages.some((message) => message.type === 'TICK')).toBe(false)
    for (const server of servers) expect(server.broadcastsSince(0)?.map((frame) => frame.type)).toEqual(['AFTER'])
    await Promise.all([own!.close(), other!.close()])
  })
})
