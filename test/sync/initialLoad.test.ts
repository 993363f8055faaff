import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { createSyncStore, loadedStore, update } from './support'

// The first load, through the real path: socket → codec → request reply → sync saga → reducers.

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

describe('initial load', () => {
  it('asks for a snapshot on the first open; until it comes, "not loaded" is not "deleted"', async () => {
    const t = createSyncStore()
    await vi.advanceTimersByTimeAsync(0)
    expect(t.collectionStatus()).toBe('loading')
    expect(t.sync()).toMatchObject({ status: 'idle', lastSyncAt: null, seq: null })
    await t.open()
    expect(t.syncs()).toEqual([{ type: 'SYNC', id: expect.any(String), data: { since: 0 } }])
    expect(t.syncStatus()).toBe('syncing')
    expect(t.sync().collections.widgets).toMatchObject({ status: 'loading', syncing: true })
    // Not loaded: the package knows nothing of w-1 yet.
    expect(t.view('w-1')).toBeUndefined()
    expect(t.entityStatus('w-1')).toBe('loading')

    const at = Date.now()
    await t.reply({
      snapshot: true,
      seq: 7,
      messages: [update('w-1', 3, { title: 'CPU', value: 1 }), update('w-2', 1, { title: 'RAM', value: 2 })],
    })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 1 })
    expect(t.record('w-2')).toEqual({ confirmed: { id: 'w-2', title: 'RAM', value: 2 }, version: 1, view: { id: 'w-2', title: 'RAM', value: 2 } })
    expect(t.sync()).toEqual({
      status: 'idle',
      lastSyncAt: at,
      lastError: null,
      lastReason: 'initial',
      seq: 7,
      collections: { widgets: { status: 'ready', syncedAt: at, staleReason: null, syncing: false, error: null } },
      entities: [],
    })
    // Loaded: an entity the snapshot did not have does not exist.
    expect(t.view('w-9')).toBeUndefined()
    expect(t.entityStatus('w-9')).toBe('ready')
    expect(t.entityStatus('w-1')).toBe('ready')
    expect(t.syncActions()).toEqual(['realtime/sync/syncStarted', 'realtime/sync/syncSucceeded'])
    // The request left `requests`; the reply went through the request mechanism.
    expect(t.connection().requests).toEqual({})
    expect(t.types()).toContain('realtime/connection/requestSucceeded')
  })

  it('a live update that arrives before the snapshot makes its entity known; the snapshot does not move it back', async () => {
    const t = createSyncStore()
    await vi.advanceTimersByTimeAsync(0)
    await t.open()
    await t.deliver(update('w-1', 4, { value: 40 }, 8))
    expect(t.entityStatus('w-1')).toBe('ready')
    expect(t.entityStatus('w-2')).toBe('loading')
    await t.reply({ snapshot: true, seq: 7, messages: [update('w-1', 3, { value: 30 }), update('w-2', 1, { value: 2 })] })
    expect(t.record('w-1')).toMatchObject({ version: 4, view: { id: 'w-1', value: 40 } })
    expect(t.view('w-2')).toEqual({ id: 'w-2', value: 2 })
  })

  it('frames of the reply are checked like live updates: a bad one is refused, the rest apply', async () => {
    const t = createSyncStore()
    await vi.advanceTimersByTimeAsync(0)
    await t.open()
    await t.reply({
      snapshot: true,
      seq: 3,
      messages: [update('w-1', 1, { value: 1 }), { type: 'WIDGET_UPDATE', data: { id: '', version: 1 } }, { type: 'NEWS', data: {} }, 'garbage'],
    })
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 1 })
    const rejected = t.seen.filter((a) => a.type === 'realtime/connection/messageRejected').map((a) => a.payload)
    expect(rejected).toEqual([
      { code: 'validation_failed', type: 'WIDGET_UPDATE', reason: expect.stringMatching(/SYNC reply: "WIDGET_UPDATE" update rejected: data\.id must be a non-empty string/), at: expect.any(Number) },
      { code: 'validation_failed', reason: expect.stringMatching(/messages\[3\] is not a frame/), at: expect.any(Number) },
    ])
    expect(t.collectionStatus()).toBe('ready')
  })

  it('a snapshot deletes the entities it leaves out (version kept), but not one with pending ops', async () => {
    const t = await loadedStore({}, 5, [
      { id: 'w-1', title: 'CPU', value: 1, version: 1 },
      { id: 'w-2', title: 'RAM', value: 2, version: 3 },
      { id: 'w-3', title: 'NET', value: 3, version: 1 },
    ])
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-3', value: 30 }))
    t.store.dispatch(t.realtime.actions.refresh())
    await vi.advanceTimersByTimeAsync(0)
    expect(t.lastSync().data).toEqual({ since: 5 })
    // The server's log no longer reaches back: a snapshot without w-2 and w-3.
    await t.reply({ snapshot: true, seq: 40, messages: [update('w-1', 2, { title: 'CPU', value: 10 })] })
    expect(t.record('w-2')).toEqual({ confirmed: null, version: 3, view: null })
    expect(t.view('w-2')).toBeNull()
    expect(t.entityStatus('w-2')).toBe('ready') // loaded, and gone: deleted
    expect(t.realtime.selectors.selectEntities(t.store.getState(), 'widgets')).toEqual({
      'w-1': { id: 'w-1', title: 'CPU', value: 10 },
      'w-3': { id: 'w-3', title: 'NET', value: 30 },
    })
    // w-3's op stays: its answer says what became of it.
    expect(t.ops().map((op) => op.key)).toEqual(['w-3'])
    const [removal] = (t.seen.find((a) => a.type === 'realtime/sync/syncSucceeded' && (a.payload as { seq: number }).seq === 40)!.payload as { removals: unknown[] }).removals
    expect(removal).toEqual({ collection: 'widgets', key: 'w-2', version: 3 })
  })

  it('a delta reply (no snapshot) deletes nothing', async () => {
    const t = await loadedStore()
    t.store.dispatch(t.realtime.actions.refresh())
    await vi.advanceTimersByTimeAsync(0)
    await t.reply({ seq: 5, messages: [] })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 1 })
    expect(t.view('w-2')).toEqual({ id: 'w-2', title: 'RAM', value: 2 })
    expect(t.collectionStatus()).toBe('ready')
  })

  it('an entity that changed while the snapshot was on its way is kept (a frame overtook the reply)', async () => {
    const t = await loadedStore()
    t.store.dispatch(t.realtime.actions.refresh())
    await vi.advanceTimersByTimeAsync(0)
    // Created after the server read its snapshot, announced before the (delayed) reply arrived.
    await t.deliver(update('w-7', 1, { value: 7 }, 6))
    await t.reply({ snapshot: true, seq: 5, messages: [update('w-1', 1, { title: 'CPU', value: 1 }), update('w-2', 1, { title: 'RAM', value: 2 })] })
    expect(t.view('w-7')).toEqual({ id: 'w-7', value: 7 })
  })
})
