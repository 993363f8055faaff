// @vitest-environment jsdom
import { cleanup, renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useSyncStatus } from '../../src/react'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { advance, counted, quietly, setupHooks, snapshot, stopStores } from './support'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  stopStores()
  vi.useRealTimers()
})

const LOADING = { status: 'loading', syncedAt: null, staleReason: null, syncing: false, error: null }

describe('useSyncStatus', () => {
  it('follows the sync, the network and the queue through the real socket path', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => useSyncStatus(), t.wrap)
    expect(result.current).toEqual({
      status: 'idle',
      lastSyncAt: null,
      lastError: null,
      lastReason: null,
      isOnline: true,
      queueSize: 0,
      outbox: { status: 'off', storage: null, namespace: null, lastError: null, setAside: [], rehydratedAt: null },
      collections: { widgets: LOADING },
    })

    await t.start()
    expect(result.current).toMatchObject({ status: 'syncing', lastReason: 'initial', collections: { widgets: { status: 'loading', syncing: true } } })
    await t.answer(snapshot([{ id: 'w-1', value: 1, version: 1 }]))
    expect(result.current).toMatchObject({ status: 'idle', lastSyncAt: Date.now(), lastError: null, collections: { widgets: { status: 'ready', syncedAt: Date.now(), syncing: false } } })
    expect(result.current.collections).toBe(t.sync().collections)

    await t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 2 }))
    expect(result.current.queueSize).toBe(1)

    // A refresh the server refuses: error, with the error as plain data.
    await advance(10)
    await t.dispatch(t.realtime.actions.refresh())
    expect(result.current).toMatchObject({ status: 'syncing', lastReason: 'manual', collections: { widgets: { status: 'stale', staleReason: 'manual' } } })
    await t.answer({ reason: 'busy' }, 'ERROR')
    expect(result.current).toMatchObject({ status: 'error', lastError: { name: 'SyncError', code: 'REQUEST_REJECTED' } })
    expect(result.current.lastError).toBe(t.sync().lastError)

    await t.dispatch(t.realtime.actions.offline())
    expect(result.current).toMatchObject({ status: 'offline', isOnline: false, queueSize: 1 })
    await t.dispatch(t.realtime.actions.online())
    expect(result.current).toMatchObject({ status: 'error', isOnline: true })
  })

  it('shows the persisted outbox: rehydrating, then ready, in its storage and namespace', async () => {
    const t = setupHooks({ storage: 'memory', outbox: { namespace: 'user-1', locks: false } })
    const { result } = renderHook(() => useSyncStatus(), t.wrap)
    expect(result.current.outbox).toMatchObject({ status: 'rehydrating', storage: 'memory', namespace: 'user-1' })
    await t.start()
    expect(result.current.outbox).toMatchObject({ status: 'ready', storage: 'memory', namespace: 'user-1', lastError: null, setAside: [] })
    expect(result.current.outbox).toBe(t.store.getState().realtime.outbox)
  })

  it('neither re-renders nor changes on inbound traffic', async () => {
    const t = setupHooks()
    const { result } = renderHook(counted(() => useSyncStatus()), t.wrap)
    await t.start()
    await t.answer(snapshot([{ id: 'w-1', value: 1, version: 1 }]))
    const before = result.current
    const received = t.connection().received
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 5, version: 2 } }, { type: 'HELLO' }, { type: 'STATS', data: 1 })
    expect(t.connection().received).toBe(received + 3)
    expect(result.current).toBe(before)
    expect(result.current.value).toBe(before.value)
  })

  it('works under StrictMode', async () => {
    const t = setupHooks({ strict: true })
    const { result } = renderHook(() => useSyncStatus(), t.wrap)
    await t.start()
    await t.answer(snapshot([]))
    expect(result.current).toMatchObject({ status: 'idle', lastReason: 'initial', collections: { widgets: { status: 'ready' } } })
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('outside <RealtimeProvider> throws an error naming it', () => {
    quietly(() => {
      expect(() => renderHook(() => useSyncStatus())).toThrow('rtk-realtime: useSyncStatus() must be used inside <RealtimeProvider realtime={realtime}>')
    })
  })
})
