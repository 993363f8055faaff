import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createSyncStore, update } from './support'

// A collection with `load` beside one synced over the socket: the SYNC covers the socket one only.

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

describe('load beside SYNC', () => {
  it('loads at start, SYNCs the others on open; both again after a reconnect; a SYNC snapshot deletes nothing of the loaded one', async () => {
    const loads: string[] = []
    let alerts: unknown[] = [{ id: 'a-1', text: 'disk', version: 1 }]
    const t = createSyncStore({
      collections: {
        widgets: { updates: ['WIDGET_UPDATE'] },
        alerts: { updates: ['ALERT_UPDATE'], load: ({ reason }) => (loads.push(reason), Promise.resolve(alerts)) },
      },
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(loads).toEqual(['initial'])
    expect(t.collectionStatus('alerts')).toBe('ready')
    expect(t.collectionStatus('widgets')).toBe('loading')
    const alert = () => t.realtime.selectors.selectEntity(t.store.getState(), 'alerts', 'a-1')
    expect(alert()).toEqual({ id: 'a-1', text: 'disk' })

    await t.open()
    expect(loads).toEqual(['initial'])
    expect(t.syncs()).toHaveLength(1)
    expect(t.sync().collections.widgets!.syncing).toBe(true)
    expect(t.sync().collections.alerts!.syncing).toBe(false)
    // A snapshot covers the socket collections: an alert it leaves out is not deleted.
    await t.reply({ snapshot: true, seq: 1, messages: [update('w-1', 1, { value: 1 })] })
    expect(alert()).toEqual({ id: 'a-1', text: 'disk' })
    expect(t.collectionStatus('widgets')).toBe('ready')

    t.socket().serverClose()
    await endOfTurn()
    expect(t.sync().collections.alerts).toMatchObject({ status: 'stale', staleReason: 'reconnect' })
    alerts = []
    await vi.advanceTimersByTimeAsync(1000)
    await t.open()
    await vi.advanceTimersByTimeAsync(0)
    expect(loads).toEqual(['initial', 'reconnect'])
    expect(alert()).toBeNull()
    expect(t.collectionStatus('alerts')).toBe('ready')
    expect(t.lastSync().data).toEqual({ since: 1 })
  })

  it('a load collection without update types does not depend on the socket: not stale on close, not reloaded on reopen', async () => {
    const loads: string[] = []
    const t = createSyncStore({
      collections: {
        widgets: { updates: ['WIDGET_UPDATE'] },
        reports: { load: ({ reason }) => (loads.push(reason), [{ id: 'r-1', version: 1 }]) },
      },
    })
    await vi.advanceTimersByTimeAsync(0)
    await t.open()
    await t.reply({ snapshot: true, seq: 1, messages: [] })
    t.socket().serverClose()
    await endOfTurn()
    expect(t.collectionStatus('reports')).toBe('ready')
    expect(t.collectionStatus('widgets')).toBe('stale')
    await vi.advanceTimersByTimeAsync(1000)
    await t.open()
    await vi.advanceTimersByTimeAsync(0)
    expect(loads).toEqual(['initial'])
    // It still follows the periodic sync.
    await vi.advanceTimersByTimeAsync(30_000)
    expect(loads).toEqual(['initial', 'interval'])
  })

  it('every collection with load: no SYNC at all', async () => {
    const t = createSyncStore({ collections: { widgets: { updates: ['WIDGET_UPDATE'], load: () => [] } } })
    await vi.advanceTimersByTimeAsync(0)
    await t.open()
    await t.deliver(update('w-1', 1, { value: 1 }, 1), update('w-1', 2, { value: 2 }, 9))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.syncs()).toEqual([])
    expect(t.collectionStatus()).toBe('ready')
  })

  it('a load that throws at once is a LOAD_FAILED sync error', async () => {
    const t = createSyncStore({
      collections: {
        widgets: {
          updates: ['WIDGET_UPDATE'],
          load: () => {
            throw new Error('no backend')
          },
        },
      },
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(t.sync().lastError).toEqual({ name: 'LoadError', code: 'LOAD_FAILED', message: 'rtk-realtime: collections.widgets.load failed: no backend' })
  })
})
