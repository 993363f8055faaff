import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { loadedStore, update } from './support'

// The periodic sync, its pauses, staleness by age, and refresh()/refreshWidget(), on fake timers.

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

describe('periodic sync (backgroundSync.SYNC_INTERVAL)', () => {
  it('sends SYNC since the last seq every 30 s by default', async () => {
    const t = await loadedStore({}, 5)
    await vi.advanceTimersByTimeAsync(29_999)
    expect(t.syncs()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.syncs()).toHaveLength(2)
    expect(t.lastSync().data).toEqual({ since: 5 })
    expect(t.sync().lastReason).toBe('interval')
    // A periodic sync does not mark anything stale: the data was fine.
    expect(t.collectionStatus()).toBe('ready')
    await t.reply({ seq: 6, messages: [{ ...update('w-2', 2, { title: 'RAM', value: 20 }), seq: 6 }] })
    expect(t.view('w-2')).toEqual({ id: 'w-2', title: 'RAM', value: 20 })
    await vi.advanceTimersByTimeAsync(30_000)
    expect(t.syncs()).toHaveLength(3)
    expect(t.lastSync().data).toEqual({ since: 6 })
  })

  it('runs on the interval from the last attempt, so an unanswered SYNC is not repeated in a loop', async () => {
    const t = await loadedStore({ config: { websocket: { REQUEST_TIMEOUT: 5000 } } })
    await vi.advanceTimersByTimeAsync(30_000)
    expect(t.syncs()).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(5000) // no reply: timed out, retried on the next interval
    expect(t.syncStatus()).toBe('error')
    expect(t.syncs()).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(25_000)
    expect(t.syncs()).toHaveLength(3)
  })

  it('features.ENABLE_BACKGROUND_SYNC false: no periodic SYNC, but one every optimistic.SYNC_INTERVAL while ops are pending', async () => {
    const t = await loadedStore({ config: { features: { ENABLE_BACKGROUND_SYNC: false } } })
    await vi.advanceTimersByTimeAsync(120_000)
    expect(t.syncs()).toHaveLength(1)
    // An ACK without a value, at a version the client has not seen: the op waits for that version.
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    const [op] = t.socket().sentMessages
    await t.deliver({ type: 'ACK', replyTo: op!.id, data: { key: 'w-1', version: 3 } })
    expect(t.ops()).toMatchObject([{ status: 'acked', ackedVersion: 3 }])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.syncs()).toHaveLength(2)
    expect(t.sync().lastReason).toBe('pending_ops')
    await t.reply({ seq: 7, messages: [{ ...update('w-1', 2, { title: 'CPU', value: 1, unit: '%' }), seq: 6 }, { ...update('w-1', 3, { title: 'CPU', value: 10, unit: '%' }), seq: 7 }] })
    // The SYNC brought the version the ACK named: the op is settled, with the server's value.
    expect(t.ops()).toEqual([])
    expect(t.record('w-1')).toMatchObject({ version: 3, view: { id: 'w-1', title: 'CPU', value: 10, unit: '%' } })
    // Nothing pending: no more SYNCs.
    await vi.advanceTimersByTimeAsync(180_000)
    expect(t.syncs()).toHaveLength(2)
  })

  it('SYNC_INTERVAL 0 turns the periodic sync off', async () => {
    const t = await loadedStore({ config: { backgroundSync: { SYNC_INTERVAL: 0, WIDGET_REFRESH: 0 } } })
    await vi.advanceTimersByTimeAsync(300_000)
    expect(t.syncs()).toHaveLength(1)
  })
})

describe('paused while hidden or offline', () => {
  it('no periodic SYNC while the page is hidden; at once when it is visible again and overdue', async () => {
    const t = await loadedStore()
    t.store.dispatch(t.realtime.actions.visibilityChanged({ visible: false }))
    await vi.advanceTimersByTimeAsync(100_000)
    expect(t.syncs()).toHaveLength(1)
    t.store.dispatch(t.realtime.actions.visibilityChanged({ visible: true }))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.syncs()).toHaveLength(2)
  })

  it('visible again before the interval: waits for the rest of it', async () => {
    const t = await loadedStore()
    t.store.dispatch(t.realtime.actions.visibilityChanged({ visible: false }))
    await vi.advanceTimersByTimeAsync(10_000)
    t.store.dispatch(t.realtime.actions.visibilityChanged({ visible: true }))
    await vi.advanceTimersByTimeAsync(19_999)
    expect(t.syncs()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.syncs()).toHaveLength(2)
  })

  it('offline: status offline, the socket is given up and nothing is synced; online: a new socket resyncs at once', async () => {
    const t = await loadedStore({}, 5)
    const before = t.socket()
    t.store.dispatch(t.realtime.actions.offline())
    expect(t.syncStatus()).toBe('offline')
    // Going offline closes the socket (README "Offline"): nothing more arrives on it, no SYNC goes out.
    expect(before.readyState).toBe(FakeWebSocket.CLOSED)
    await vi.advanceTimersByTimeAsync(100_000)
    expect(FakeWebSocket.instances.flatMap((s) => s.syncRequests)).toHaveLength(1)
    t.store.dispatch(t.realtime.actions.online())
    await vi.advanceTimersByTimeAsync(0)
    expect(t.socket()).not.toBe(before)
    t.socket().acceptOpen()
    await vi.advanceTimersByTimeAsync(0)
    expect(t.syncStatus()).toBe('syncing')
    expect(t.socket().syncRequests.map((m) => m.data)).toEqual([{ since: 5 }])
    expect(t.sync().lastReason).toBe('reconnect')
  })
})

describe('staleness by age (backgroundSync.WIDGET_REFRESH) and refresh', () => {
  it('a collection not synced within WIDGET_REFRESH is marked stale (age) and synced', async () => {
    // A periodic sync slower than the refresh age: the age check is what syncs.
    const t = await loadedStore({ config: { backgroundSync: { SYNC_INTERVAL: 0, WIDGET_REFRESH: 60_000 } } })
    await vi.advanceTimersByTimeAsync(59_999)
    expect(t.collectionStatus()).toBe('ready')
    await vi.advanceTimersByTimeAsync(1)
    expect(t.sync().collections.widgets).toMatchObject({ status: 'stale', staleReason: 'age' })
    expect(t.entityStatus('w-1')).toBe('stale')
    expect(t.syncs()).toHaveLength(2)
    expect(t.sync().lastReason).toBe('age')
    await t.reply({ seq: 5, messages: [] })
    expect(t.sync().collections.widgets).toMatchObject({ status: 'ready', staleReason: null, syncedAt: Date.now() })
    expect(t.syncActions()).toContain('realtime/sync/staleMarked')
  })

  it('a collection whose syncs keep failing becomes stale by age and stays so until one succeeds', async () => {
    const t = await loadedStore({ config: { websocket: { REQUEST_TIMEOUT: 1000 } } })
    await vi.advanceTimersByTimeAsync(30_000)
    await t.reply({ reason: 'busy' }, 'ERROR')
    expect(t.collectionStatus()).toBe('ready')
    await vi.advanceTimersByTimeAsync(30_000)
    expect(t.sync().collections.widgets).toMatchObject({ status: 'stale', staleReason: 'age' })
    expect(t.syncs()).toHaveLength(3)
    await t.reply({ seq: 5, messages: [] })
    expect(t.collectionStatus()).toBe('ready')
    expect(t.syncStatus()).toBe('idle')
  })

  it('refresh(): every collection stale (manual) and a SYNC at once', async () => {
    const t = await loadedStore({}, 5)
    t.store.dispatch(t.realtime.actions.refresh())
    expect(t.sync().collections.widgets).toMatchObject({ status: 'stale', staleReason: 'manual' })
    await vi.advanceTimersByTimeAsync(0)
    expect(t.syncs()).toHaveLength(2)
    expect(t.sync().lastReason).toBe('manual')
    await t.reply({ seq: 5, messages: [] })
    expect(t.collectionStatus()).toBe('ready')
  })

  it('refreshWidget(key): that entity stale until its collection synced', async () => {
    const t = await loadedStore()
    t.store.dispatch(t.realtime.actions.refreshWidget('w-1'))
    expect(t.entityStatus('w-1')).toBe('stale')
    expect(t.entityStatus('w-2')).toBe('ready')
    expect(t.collectionStatus()).toBe('ready')
    expect(t.sync().entities).toEqual([{ collection: 'widgets', key: 'w-1', reason: 'manual', at: Date.now() }])
    // Asked twice: one mark.
    t.store.dispatch(t.realtime.actions.refreshWidget('w-1', 'widgets'))
    expect(t.sync().entities).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(0)
    expect(t.syncs()).toHaveLength(2)
    await t.reply({ seq: 6, messages: [{ ...update('w-1', 2, { title: 'CPU', value: 11 }), seq: 6 }] })
    expect(t.entityStatus('w-1')).toBe('ready')
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 11 })
    expect(t.sync().entities).toEqual([])
  })

  it('refreshWidget names the option it was given wrong', async () => {
    const t = await loadedStore()
    expect(() => t.realtime.actions.refreshWidget('w-1', 'nope')).toThrow(/^rtk-realtime: realtime\.actions\.refreshWidget\("w-1", collection\): no collection "nope"/)
    expect(() => t.realtime.actions.refreshWidget('')).toThrow(TypeError)
  })
})
