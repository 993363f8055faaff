import { afterEach, describe, expect, it } from 'vitest'
import { memoryStorage, type OutboxStorage } from 'rtk-realtime'
import { startServer } from '../../examples/server'
import { cleanup, startTestServer, until } from './support/harness'
import { createWidgetClient } from './support/widgetClient'

afterEach(cleanup)

const seed = [
  { id: 'w-1', title: 'CPU', value: 1 },
  { id: 'w-2', title: 'RAM', value: 2 },
  { id: 'w-3', title: 'Disk', value: 3 },
]

/** A client on `storage` whose socket is opened only by `connect()`. */
function page(url: string, storage: OutboxStorage, extra: Record<string, unknown> = {}) {
  return createWidgetClient({
    url,
    storage,
    config: { websocket: { AUTO_CONNECT: false }, backgroundSync: { RETRY_DELAY: 50, RETRY_MAX_DELAY: 200 }, optimistic: { TIMEOUT: 2000 } },
    ...extra,
  })
}

describe('the persisted outbox against the reference server', () => {
  it('reload: ops queued offline survive a discarded store; the next store shows the same views and the server applies each exactly once', async () => {
    const server = await startTestServer({ widgets: seed })
    const storage = memoryStorage()
    const first = page(server.url, storage)
    // Known state first (the views to compare need confirmed values), then offline.
    first.store.dispatch(first.actions.connect())
    await first.waitForStatus('open')
    server.touch('w-1', {})
    server.touch('w-2', {})
    await until(() => first.view('w-2')?.value === 2, 'w-1 and w-2 loaded')
    first.store.dispatch(first.actions.disconnect())
    const made = [
      first.update('w-1', 10),
      first.rename('w-1', 'Load'),
      first.update('w-2', 20),
      first.update('w-1', 11),
    ]
    const views = { w1: first.view('w-1'), w2: first.view('w-2') }
    // The page goes away: its store is simply dropped.

    const second = page(server.url, storage)
    await until(() => second.store.getState().realtime.outbox.status === 'ready', 'rehydrated')
    expect(second.pending().map((o) => o.opId).sort()).toEqual([...made].sort())
    expect(second.pending().filter((o) => o.key === 'w-1').map((o) => o.opId)).toEqual([made[0], made[1], made[3]])
    expect({ w1: second.view('w-1'), w2: second.view('w-2') }).toEqual(views)
    second.store.dispatch(second.actions.connect())
    await until(() => second.pending().length === 0, () => `all confirmed (pending: ${second.pending().length})`)
    for (const opId of made) expect(server.appliedCount(opId), opId).toBe(1)
    // Per-key order held: w-1's three ops were applied in creation order.
    const w1 = server.appliedOps().filter((id) => [made[0], made[1], made[3]].includes(id))
    expect(w1).toEqual([made[0], made[1], made[3]])
    expect(server.widget('w-1')).toMatchObject({ title: 'Load', value: 11 })
    expect(second.view('w-1')).toMatchObject({ title: 'Load', value: 11 })
    expect(storage.getAll('realtime:default')).toEqual([])
  })

  it('a reload in the middle of a flush loses nothing and duplicates nothing', async () => {
    const server = await startTestServer({ widgets: seed })
    const storage = memoryStorage()
    const first = page(server.url, storage)
    first.store.dispatch(first.actions.connect())
    await first.waitForStatus('open')
    // Edits on loaded widgets: an op made before the initial snapshot stands on version 0, and the
    // snapshot would be a conflict for it (REMOTE_WINS), a race this test is not about.
    await until(() => first.store.getState().realtime.sync.collections.widgets?.status === 'ready', 'initial load')
    // The server applies what it reads, but its answers are slow: the page dies with ops on the wire.
    server.faults.replyDelayMs = 2000
    const made = ['w-1', 'w-2', 'w-3'].map((id, i) => first.update(id, 100 + i))
    await until(() => made.every((opId) => server.appliedCount(opId) === 1), 'the server applied the ops it read')
    server.terminateAll() // the page is gone mid-flush
    first.store.dispatch(first.actions.disconnect())
    server.faults.replyDelayMs = 0

    const second = page(server.url, storage)
    await until(() => second.store.getState().realtime.outbox.status === 'ready', 'rehydrated')
    expect(second.pending().map((o) => [o.opId, o.earlierUnanswered]).sort()).toEqual(made.map((id) => [id, true]).sort())
    second.store.dispatch(second.actions.connect())
    await until(() => second.pending().length === 0, 'all confirmed')
    for (const opId of made) expect(server.appliedCount(opId), opId).toBe(1)
    expect(second.rollbacks()).toEqual([])
    expect(['w-1', 'w-2', 'w-3'].map((id) => second.view(id)?.value)).toEqual([100, 101, 102])
  })

  it('the server is killed in the middle of a flush and restarted: every op applied exactly once, in per-key order', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', widgets: seed })
    const storage = memoryStorage()
    const client = page(server.url, storage, { config: { websocket: { RECONNECT_DELAY: 50, RECONNECT_MAX_DELAY: 100, RECONNECT_ATTEMPTS: 100 }, optimistic: { TIMEOUT: 2000 }, backgroundSync: { RETRY_DELAY: 50 } } })
    client.store.dispatch(client.actions.connect())
    await client.waitForStatus('open')
    // Edits on loaded widgets (an op made before the initial load stands on version 0, and the
    // snapshot's version 1 would be a conflict for it).
    await until(() => client.store.getState().realtime.sync.collections.widgets?.status === 'ready', 'initial load')
    const made: string[] = []
    for (let i = 0; i < 30; i++) made.push(client.update(`w-${1 + (i % 3)}`, i))
    // Kill it as soon as it has applied some of them: the rest are on the wire or queued.
    await until(() => server.appliedOps().length >= 3, 'some applied')
    const { port, state } = server
    await server.kill()
    const restarted = await startServer({ port, host: '127.0.0.1', state })
    try {
      await until(() => client.pending().length === 0, () => `all confirmed (pending ${client.pending().length})`, 15_000)
      for (const opId of made) expect(restarted.appliedCount(opId), `${opId}; rollbacks ${JSON.stringify(client.rollbacks())}`).toBe(1)
      for (const key of ['w-1', 'w-2', 'w-3']) {
        const ofKey = made.filter((_, i) => `w-${1 + (i % 3)}` === key)
        expect(restarted.appliedOps().filter((id) => ofKey.includes(id)), key).toEqual(ofKey)
      }
      expect(client.rollbacks()).toEqual([])
      expect(client.view('w-3')).toMatchObject({ value: 29 })
      expect(restarted.widget('w-3')).toMatchObject({ value: 29 })
    } finally {
      client.disconnect()
      await restarted.stop()
    }
  })
})
