import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRealtime } from '../../src'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { widgetOptions } from '../support/widgets'
import { createSyncStore, update } from './support'

// Status transitions, failures as plain data, `sync: false`, and the options' checks.

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

async function started(options: Parameters<typeof createSyncStore>[0] = {}) {
  const t = createSyncStore(options)
  await vi.advanceTimersByTimeAsync(0)
  await t.open()
  return t
}

const failures = (t: ReturnType<typeof createSyncStore>) =>
  t.seen.filter((a) => a.type === 'realtime/sync/syncFailed').map((a) => a.payload as { error: unknown; collections: string[]; reason: string })

describe('failures are plain data, and retried', () => {
  it('an ERROR reply: status error with a plain error; retried after SYNC_INTERVAL; a success clears it', async () => {
    const t = await started()
    await t.reply({ reason: 'SYNC is not supported here' }, 'ERROR')
    const error = { name: 'SyncError', code: 'REQUEST_REJECTED', message: expect.stringMatching(/request "SYNC" .* was rejected by the server: SYNC is not supported here/) }
    expect(t.sync()).toMatchObject({ status: 'error', lastError: error, collections: { widgets: { status: 'loading', syncing: false, error } } })
    expect(Object.getPrototypeOf(t.sync().lastError)).toBe(Object.prototype)
    expect(failures(t)).toEqual([{ collections: ['widgets'], error, reason: 'initial', at: expect.any(Number) }])
    expect(t.connection().requests).toEqual({})
    await vi.advanceTimersByTimeAsync(29_999)
    expect(t.syncs()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.syncs()).toHaveLength(2)
    expect(t.lastSync().data).toEqual({ since: 0 })
    expect(t.syncStatus()).toBe('syncing')
    await t.reply({ snapshot: true, seq: 1, messages: [update('w-1', 1, { value: 1 })] })
    expect(t.sync()).toMatchObject({ status: 'idle', lastError: null, collections: { widgets: { status: 'ready', error: null } } })
  })

  it('a NACK reply fails the same way', async () => {
    const t = await started()
    await t.reply({ reason: 'busy', retryable: true }, 'NACK')
    expect(t.sync().lastError).toMatchObject({ code: 'REQUEST_REJECTED', message: expect.stringContaining('busy') })
    expect(t.syncStatus()).toBe('error')
  })

  it('no reply within websocket.REQUEST_TIMEOUT: REQUEST_TIMEOUT', async () => {
    const t = await started({ config: { websocket: { REQUEST_TIMEOUT: 2000 } } })
    await vi.advanceTimersByTimeAsync(1999)
    expect(t.syncStatus()).toBe('syncing')
    await vi.advanceTimersByTimeAsync(1)
    expect(t.sync().lastError).toEqual({ name: 'SyncError', code: 'REQUEST_TIMEOUT', message: expect.stringContaining('got no reply within 2000 ms') })
    expect(t.syncStatus()).toBe('error')
    // A reply that comes after all is no reply to anything pending.
    await t.reply({ seq: 1, messages: [] })
    expect(t.collectionStatus()).toBe('loading')
  })

  it('a reply of the wrong shape: INVALID_SYNC_REPLY, nothing applied', async () => {
    const t = await started()
    await t.reply({ seq: 'x', messages: [update('w-1', 1, { value: 1 })] })
    expect(t.sync().lastError).toMatchObject({ code: 'INVALID_SYNC_REPLY', message: expect.stringContaining('data.seq') })
    expect(t.view('w-1')).toBeUndefined()
  })

  it('the socket closes before the reply: SOCKET_CLOSED, the request settled, and a SYNC on the next open', async () => {
    const t = await started()
    t.socket().serverClose()
    await endOfTurn()
    expect(t.sync().lastError).toMatchObject({ code: 'SOCKET_CLOSED' })
    expect(t.connection().requests).toEqual({})
    await vi.advanceTimersByTimeAsync(1000)
    await t.open()
    expect(t.syncs()).toEqual([{ type: 'SYNC', id: expect.any(String), data: { since: 0 } }])
  })

  it('status: idle → syncing → idle; offline wins over everything; online restores the rest', async () => {
    const t = createSyncStore()
    await vi.advanceTimersByTimeAsync(0)
    const statuses: string[] = []
    t.store.subscribe(() => {
      const status = t.syncStatus()
      if (statuses.at(-1) !== status) statuses.push(status)
    })
    await t.open()
    t.store.dispatch(t.realtime.actions.offline())
    await t.reply({ reason: 'no' }, 'ERROR')
    t.store.dispatch(t.realtime.actions.online())
    expect(statuses).toEqual(['idle', 'syncing', 'offline', 'error'])
  })
})

describe('sync: false', () => {
  it('sends no SYNC, ever; socket collections count as ready once the socket opens', async () => {
    const t = await started({ sync: false })
    await t.deliver(update('w-1', 1, { value: 1 }, 1), update('w-1', 2, { value: 2 }, 5))
    await vi.advanceTimersByTimeAsync(300_000)
    // Nothing can refresh a collection without SYNC or `load`: it is not marked stale for nothing.
    t.store.dispatch(t.realtime.actions.refresh())
    t.store.dispatch(t.realtime.actions.refreshWidget('w-1'))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.syncs()).toEqual([])
    expect(t.collectionStatus()).toBe('ready')
    expect(t.entityStatus('w-1')).toBe('ready')
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 2 })
    t.socket().serverClose()
    await endOfTurn()
    expect(t.sync().collections.widgets).toMatchObject({ status: 'stale', staleReason: 'reconnect' })
    await vi.advanceTimersByTimeAsync(1000)
    await t.open()
    expect(t.collectionStatus()).toBe('ready')
    expect(t.syncs()).toEqual([])
  })

  it('sync.type names the request', async () => {
    const t = await started({ sync: { type: 'RESYNC' } })
    expect(t.socket().allSentMessages.filter((m) => m.type === 'RESYNC')).toEqual([{ type: 'RESYNC', id: expect.any(String), data: { since: 0 } }])
  })
})

describe('programmer mistakes throw a TypeError naming the option', () => {
  const make = (options: object) => () => createRealtime({ ...widgetOptions, WebSocket: FakeWebSocket, ...options } as never)
  it('sync', () => {
    expect(make({ sync: true })).toThrow(/^rtk-realtime: createRealtime\(\{ sync \}\) must be false or an object/)
    expect(make({ sync: { typ: 'SYNC' } })).toThrow(/^rtk-realtime: createRealtime\(\{ sync \}\): unknown option sync\.typ\. Known options: type, invalidate$/)
    expect(make({ sync: { type: '' } })).toThrow(/sync\.type must be a non-empty message type/)
    expect(make({ sync: { invalidate: { api: {}, tags: () => [] } } })).toThrow(/sync\.invalidate\.api must be an RTK Query api/)
    expect(make({ sync: { invalidate: { api: { util: { invalidateTags: () => ({ type: 'x' }) } } } } })).toThrow(/sync\.invalidate\.tags must be a function/)
  })
  it('collections.<name>.load', () => {
    expect(make({ collections: { widgets: { updates: ['WIDGET_UPDATE'], load: 'https://x' } } })).toThrow(/^rtk-realtime: createRealtime\(\{ collections \}\): collections\.widgets\.load must be a function/)
  })
})
