import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { memoryStorage } from '../../src/outbox/storage/memoryStorage'
import type { OutboxStorage } from '../../src/outbox/storage/OutboxStorage'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

type Options = Parameters<typeof createWidgetStore>[0]
const NS = 'realtime:default'

/** A store on `storage`: its socket opens (and w-1, w-2 arrive at v1) only when `open` is called. */
async function storeOn(storage: OutboxStorage, options: Options = {}) {
  const config = { ...options?.config, updates: { BATCH_MODE: 'off' as const }, websocket: { HEARTBEAT_INTERVAL: 0, ...options?.config?.websocket } }
  const t = createWidgetStore({ storage, ...options, config } as Options)
  await vi.advanceTimersByTimeAsync(0)
  // Absent with AUTO_CONNECT off.
  const socket = FakeWebSocket.instances.at(-1)!
  const open = async () => {
    socket.acceptOpen()
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 1, version: 1 } })
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-2', title: 'RAM', value: 2, version: 1 } })
    await endOfTurn()
  }
  const sentOps = () => socket.sentMessages.filter((m) => m.type.startsWith('WIDGET_'))
  const stored = async () => (await storage.getAll(NS)).map((e) => ({ key: e.key, ...JSON.parse(e.value) }))
  return { ...t, socket, open, sentOps, stored, outbox: () => t.store.getState().realtime.outbox }
}

/** Spies on every storage call. */
function spied(inner: OutboxStorage = memoryStorage()) {
  const calls: string[] = []
  const storage: OutboxStorage = {
    name: 'spy',
    getAll: (ns) => (calls.push(`getAll ${ns}`), inner.getAll(ns)),
    set: (ns, key, value) => (calls.push(`set ${ns} ${key}`), inner.set(ns, key, value)),
    delete: (ns, key) => (calls.push(`delete ${ns} ${key}`), inner.delete(ns, key)),
    clear: (ns) => (calls.push(`clear ${ns}`), inner.clear(ns)),
  }
  return { storage, calls, inner }
}

describe('the persisted outbox', () => {
  it('holds every op not yet confirmed before the dispatch returns, and drops it on confirmation', async () => {
    const storage = memoryStorage()
    const t = await storeOn(storage)
    await t.open()
    const opId = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    // Synchronous storage: written within the dispatch, no await in between.
    const [entry] = storage.getAll(NS) as Array<{ key: string; value: string }>
    expect(entry!.key).toBe(opId)
    expect(JSON.parse(entry!.value)).toMatchObject({
      v: 1, op: { opId, mutation: 'updateWidget', collection: 'widgets', key: 'w-1', args: { id: 'w-1', value: 10 }, baseVersion: 1 },
      base: { confirmed: { id: 'w-1', title: 'CPU', value: 1 }, version: 1 },
    })
    expect(t.outbox()).toMatchObject({ status: 'ready', storage: 'memory', namespace: 'default', lastError: null })
    t.socket.deliver({ type: 'ACK', replyTo: opId, data: { key: 'w-1', version: 2, value: { id: 'w-1', title: 'CPU', value: 10 } } })
    expect(await t.stored()).toEqual([])
  })

  it('writes one record per change (put or delete), never the whole queue', async () => {
    const { storage, calls } = spied()
    const t = await storeOn(storage)
    await t.open()
    t.store.dispatch(t.realtime.actions.pause())
    for (let i = 0; i < 50; i++) t.store.dispatch(t.realtime.actions.updateWidget({ id: `k-${i}`, value: i }))
    calls.length = 0
    const opId = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 20 })).payload.opId
    expect(calls).toEqual([`set ${NS} ${opId}`])
    calls.length = 0
    t.store.dispatch(t.realtime.actions.discard(opId))
    expect(calls).toEqual([`delete ${NS} ${opId}`])
  })

  it('a reload rehydrates the ops in order with their opIds, shows the same views offline, and replays them on open', async () => {
    const storage = memoryStorage()
    const first = await storeOn(storage)
    await first.open()
    first.socket.serverClose(1006) // offline from here on
    const a = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    const b = first.store.dispatch(first.realtime.actions.renameWidget({ id: 'w-1', title: 'Load' })).payload.opId
    const c = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-2', value: 20 })).payload.opId
    const views = [first.view('w-1'), first.view('w-2')]
    first.store.dispatch(first.realtime.actions.disconnect())

    FakeWebSocket.reset()
    const second = await storeOn(storage)
    expect(second.outbox().status).toBe('ready')
    expect(second.ops().map((o) => [o.opId, o.status])).toEqual([[a, 'queued'], [b, 'queued'], [c, 'queued']])
    expect([second.view('w-1'), second.view('w-2')]).toEqual(views)
    expect(second.record('w-1')).toMatchObject({ version: 1, confirmed: { value: 1 } })
    second.socket.acceptOpen()
    expect(second.sentOps().map((m) => [m.id, m.attempt])).toEqual([[a, 1], [c, 1]])
    second.socket.deliver({ type: 'ACK', replyTo: a, attempt: 1, data: { key: 'w-1', version: 2, value: { id: 'w-1', title: 'CPU', value: 10 } } })
    expect(second.sentOps().map((m) => m.id)).toEqual([a, c, b])
  })

  it('an op on the wire at the reload comes back queued and in doubt: its rollback could only be inDoubt', async () => {
    const storage = memoryStorage()
    const first = await storeOn(storage)
    await first.open()
    const a = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    expect(first.ops()[0]).toMatchObject({ status: 'sent', attempts: 1 })
    FakeWebSocket.reset()
    const second = await storeOn(storage)
    expect(second.ops()[0]).toMatchObject({ opId: a, status: 'queued', attempts: 1, earlierUnanswered: true })
    await second.open()
    // The replay is the op's second delivery, with its opId: a de-duplicating server answers it once.
    expect(second.sentOps().map((m) => [m.id, m.attempt])).toEqual([[a, 2]])
  })

  it('nothing is sent until the persisted ops are back (older ops first), with an asynchronous storage', async () => {
    const inner = memoryStorage()
    const first = await storeOn(inner)
    first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    const old = first.ops()[0]!.opId
    FakeWebSocket.reset()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const slow: OutboxStorage = { ...inner, name: 'slow', getAll: async (ns) => (await gate, inner.getAll(ns)) }
    const second = await storeOn(slow)
    expect(second.outbox().status).toBe('rehydrating')
    await second.open()
    const fresh = second.store.dispatch(second.realtime.actions.updateWidget({ id: 'w-1', value: 11 })).payload.opId
    expect(second.sentOps()).toEqual([])
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(second.ops().map((o) => o.opId)).toEqual([old, fresh])
    expect(second.sentOps().map((m) => m.id)).toEqual([old])
    expect(second.view('w-1')).toMatchObject({ value: 11 })
  })
})

describe('failures are data', () => {
  it('corrupt and foreign records are set aside (kept, with the reason), the rest rehydrated', async () => {
    const storage = memoryStorage()
    const first = await storeOn(storage)
    const good = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    const record = JSON.parse((storage.getAll(NS) as Array<{ value: string }>)[0]!.value)
    storage.set(NS, 'bad-json', '{"v":1,')
    storage.set(NS, 'future', JSON.stringify({ ...record, v: 99, op: { ...record.op, opId: 'future' } }))
    storage.set(NS, 'stranger', JSON.stringify({ ...record, op: { ...record.op, opId: 'stranger', mutation: 'launchRocket' } }))
    storage.set(NS, 'wrong-key', JSON.stringify(record))
    FakeWebSocket.reset()
    const warn = vi.fn()
    const second = await storeOn(storage, { logger: { debug() {}, info() {}, warn, error() {} } } as Options)
    expect(second.ops().map((o) => o.opId)).toEqual([good])
    const reasons = Object.fromEntries(second.outbox().setAside.map((r) => [r.key, r.reason]))
    expect(reasons).toEqual({
      'bad-json': 'not JSON',
      future: expect.stringContaining('unknown record version 99'),
      stranger: 'unknown mutation "launchRocket"',
      'wrong-key': expect.stringContaining('is not its key'),
    })
    expect(warn).toHaveBeenCalledTimes(4)
    const aside = Object.fromEntries((storage.getAll(`${NS}:set-aside`) as Array<{ key: string; value: string }>).map((e) => [e.key, JSON.parse(e.value)]))
    expect(aside['bad-json']).toMatchObject({ reason: 'not JSON', value: '{"v":1,' })
    expect(Object.keys(aside).sort()).toEqual(['bad-json', 'future', 'stranger', 'wrong-key'])
    expect((storage.getAll(NS) as Array<{ key: string }>).map((e) => e.key)).toEqual([good])
  })

  it('outbox.migrate turns an older record into the current one; one it cannot is set aside', async () => {
    const storage = memoryStorage()
    storage.set(NS, 'old-1', JSON.stringify({ v: 0, id: 'old-1', mutation: 'updateWidget', entity: 'w-1', args: { id: 'w-1', value: 7 } }))
    storage.set(NS, 'old-2', JSON.stringify({ v: 0, id: 'old-2', mutation: 'updateWidget' }))
    const migrate = (r: Record<string, unknown>, from: number) => {
      if (from !== 0 || !r.entity) throw new Error(`cannot read ${String(r.id)}`)
      return { v: 1, order: 0, owner: '', base: null, op: { opId: r.id, mutation: r.mutation, collection: 'widgets', key: r.entity, args: r.args, baseVersion: 0, attempts: 0, createdAt: 1 } }
    }
    const t = await storeOn(storage, { outbox: { migrate }, logger: { debug() {}, info() {}, warn() {}, error() {} } } as Options)
    expect(t.ops().map((o) => [o.opId, o.args])).toEqual([['old-1', { id: 'w-1', value: 7 }]])
    expect(t.outbox().setAside).toEqual([{ key: 'old-2', reason: 'outbox.migrate threw on a version 0 record: cannot read old-2', at: expect.any(Number) }])
  })

  it('a full storage (quota) is an error in state; the ops stay in memory and are delivered; a later write recovers', async () => {
    const inner = memoryStorage()
    let full = true
    const storage: OutboxStorage = {
      ...inner, name: 'tiny',
      set: (ns, key, value) => {
        if (full) throw Object.assign(new Error('the quota has been exceeded'), { name: 'QuotaExceededError' })
        return inner.set(ns, key, value)
      },
    }
    const t = await storeOn(storage)
    await t.open()
    const a = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    expect(t.outbox().lastError).toMatchObject({ code: 'STORAGE_QUOTA' })
    expect(t.outbox().lastError!.message).toContain('"tiny"')
    expect(t.ops().map((o) => o.opId)).toEqual([a])
    expect(t.sentOps().map((m) => m.id)).toEqual([a])
    full = false
    const b = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 20 })).payload.opId
    expect(t.outbox().lastError).toBeNull()
    expect((await t.stored()).map((r) => r.key).sort()).toEqual([a, b].sort())
  })

  it('storage that cannot be read is an error in state; delivery goes on with the ops in memory', async () => {
    const storage: OutboxStorage = {
      ...memoryStorage(), name: 'broken',
      getAll: () => { throw Object.assign(new Error('blocked by the browser'), { name: 'SecurityError' }) },
    }
    const t = await storeOn(storage)
    expect(t.outbox()).toMatchObject({ status: 'ready', lastError: { code: 'STORAGE_UNAVAILABLE' } })
    await t.open()
    const a = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    expect(t.sentOps().map((m) => m.id)).toEqual([a])
  })
})

describe('namespaces', () => {
  it('switching user unloads the previous user\'s ops (still persisted) and never replays them under the new one', async () => {
    const storage = memoryStorage()
    const t = await storeOn(storage, { outbox: { namespace: 'alice' }, config: { websocket: { AUTO_CONNECT: false } } } as Options)
    const alices = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    t.store.dispatch(t.realtime.actions.openOutbox('bob'))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.ops()).toEqual([])
    expect(t.outbox()).toMatchObject({ namespace: 'bob', status: 'ready' })
    const bobs = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 20 })).payload.opId
    t.store.dispatch(t.realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    expect(FakeWebSocket.last.sentMessages.filter((m) => m.type === 'WIDGET_UPDATE').map((m) => m.id)).toEqual([bobs])
    expect((storage.getAll('realtime:alice') as Array<{ key: string }>).map((e) => e.key)).toEqual([alices])
    // Alice logs back in: her op is back.
    t.store.dispatch(t.realtime.actions.openOutbox('alice'))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.ops().map((o) => o.opId)).toEqual([alices])
  })

  it('clearOutbox() (logout) empties the state and the namespace\'s storage', async () => {
    const storage = memoryStorage()
    const t = await storeOn(storage, { config: { websocket: { AUTO_CONNECT: false } } } as Options)
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.clearOutbox())
    expect(t.ops()).toEqual([])
    expect(t.optimistic().count).toBe(0)
    expect(storage.getAll(NS)).toEqual([])
  })

  it('openOutbox needs a namespace; storage and outbox options are checked', () => {
    const t = createWidgetStore()
    expect(() => t.realtime.actions.openOutbox('')).toThrow(/openOutbox\(namespace\): namespace must be a non-empty string/)
    expect(() => createWidgetStore({ storage: 'disk' } as unknown as Options)).toThrow(/createRealtime\(\{ storage \}\) must be 'indexeddb', 'localstorage', 'memory' or an OutboxStorage adapter/)
    expect(() => createWidgetStore({ storage: 'memory', outbox: { namespace: '' } } as unknown as Options)).toThrow(/createRealtime\(\{ outbox \}\) must be/)
    expect(() => createWidgetStore({ storage: { name: 'x' } } as unknown as Options)).toThrow(/storage/)
  })
})
