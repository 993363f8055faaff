// @vitest-environment jsdom
import { useLayoutEffect } from 'react'
import { cleanup, render, renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useBackgroundSync, type UseBackgroundSyncOptions } from '../../src/react'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { advance, counted, quietly, setupHooks, snapshot, step, stopStores } from './support'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  stopStores()
  vi.useRealTimers()
})

const WIDGETS = [{ id: 'w-1', value: 1, version: 1 }, { id: 'w-2', value: 2, version: 1 }]

/** Callbacks that record their calls, in order, as short strings. */
function recorder() {
  const calls: string[] = []
  const options: UseBackgroundSyncOptions = {
    onSync: ({ at, reason }) => calls.push(`sync ${reason} ${at}`),
    onError: (error) => calls.push(`error ${error.code}`),
    onOnline: () => calls.push('online'),
    onOffline: () => calls.push('offline'),
  }
  return { calls, options }
}

describe('useBackgroundSync', () => {
  it('returns the sync status, the network and the queue, and follows them', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => useBackgroundSync(), t.wrap)
    expect(result.current).toEqual({
      status: 'idle',
      isOnline: true,
      queueSize: 0,
      lastSyncAt: null,
      lastError: null,
      refresh: expect.any(Function),
      refreshWidget: expect.any(Function),
    })
    await t.start()
    expect(result.current.status).toBe('syncing')
    await t.answer(snapshot(WIDGETS))
    expect(result.current).toMatchObject({ status: 'idle', lastSyncAt: Date.now(), lastError: null })
    await t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 }))
    expect(result.current.queueSize).toBe(1)
    await t.dispatch(t.realtime.actions.offline())
    expect(result.current).toMatchObject({ status: 'offline', isOnline: false, queueSize: 1 })
  })

  it('refresh() syncs every collection now; refreshWidget(key) marks the entity stale and syncs', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => useBackgroundSync(), t.wrap)
    await t.start()
    await t.answer(snapshot(WIDGETS, 5))
    await step(() => result.current.refresh())
    expect(t.syncs()).toHaveLength(2)
    expect(t.lastSync().data).toEqual({ since: 5 })
    expect(t.sync()).toMatchObject({ status: 'syncing', lastReason: 'manual' })
    await t.answer({ seq: 5, messages: [] })

    await step(() => result.current.refreshWidget('w-1'))
    expect(t.entityStatus('w-1')).toBe('stale')
    expect(t.entityStatus('w-2')).toBe('ready')
    expect(t.syncs()).toHaveLength(3)
    await step(() => result.current.refreshWidget('w-2', 'widgets'))
    expect(t.entityStatus('w-2')).toBe('stale')
    await t.answer({ seq: 5, messages: [] })
    expect(t.entityStatus('w-1')).toBe('ready')
  })

  it('refreshWidget refuses an empty key or an undeclared collection, naming itself', () => {
    const t = setupHooks()
    const { result } = renderHook(() => useBackgroundSync(), t.wrap)
    expect(() => result.current.refreshWidget('w-1', 'gadgets')).toThrow(
      new TypeError('rtk-realtime: useBackgroundSync().refreshWidget("w-1", collection): no collection "gadgets"; declare it in createRealtime({ collections })'),
    )
    expect(() => result.current.refreshWidget('')).toThrow(/^rtk-realtime: useBackgroundSync\(\)\.refreshWidget\(key\): key must be a non-empty string/)
    expect(t.types().filter((type) => type.endsWith('/refreshWidget'))).toEqual([])
  })

  it('its functions are stable across renders', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => useBackgroundSync(), t.wrap)
    const before = result.current
    await t.start()
    await t.answer(snapshot(WIDGETS))
    expect(result.current).not.toBe(before)
    expect(result.current.refresh).toBe(before.refresh)
    expect(result.current.refreshWidget).toBe(before.refreshWidget)
  })

  it('calls onSync, onError, onOffline and onOnline on transitions, in order', async () => {
    const t = setupHooks()
    const { calls, options } = recorder()
    renderHook(() => useBackgroundSync(options), t.wrap)
    await t.start()
    expect(calls).toEqual([])
    await t.answer(snapshot(WIDGETS))
    const first = Date.now()
    await advance(1_000)
    await step(() => t.store.dispatch(t.realtime.actions.refresh()))
    await t.answer({ reason: 'busy' }, 'ERROR')
    await t.dispatch(t.realtime.actions.offline())
    await t.dispatch(t.realtime.actions.online())
    await advance(0)
    await t.start()
    await t.answer({ seq: 1, messages: [] })
    expect(calls).toEqual([`sync initial ${first}`, 'error REQUEST_REJECTED', 'offline', 'online', `sync reconnect ${Date.now()}`])
  })

  it('onError is called once per new error, not again while the same error stands', async () => {
    const t = setupHooks()
    const onError = vi.fn()
    renderHook(() => useBackgroundSync({ onError }), t.wrap)
    await t.start()
    await t.answer({ reason: 'busy' }, 'ERROR')
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError).toHaveBeenCalledWith(t.sync().lastError)
    // Other changes (a mutation, inbound traffic, going offline) leave the error alone: no second call.
    await t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 }))
    await t.push({ type: 'HELLO' })
    await t.dispatch(t.realtime.actions.offline())
    expect(onError).toHaveBeenCalledTimes(1)
  })

  it('calls nothing for the state it mounted with', async () => {
    const t = setupHooks()
    await t.start()
    await t.answer({ reason: 'busy' }, 'ERROR')
    await advance(30_000)
    await t.answer(snapshot(WIDGETS))
    await advance(10)
    await step(() => t.store.dispatch(t.realtime.actions.refresh()))
    await t.answer({ reason: 'busy again' }, 'ERROR')
    await t.dispatch(t.realtime.actions.offline())
    expect(t.sync()).toMatchObject({ status: 'offline', lastSyncAt: expect.any(Number), lastError: { code: 'REQUEST_REJECTED' } })

    const { calls, options } = recorder()
    renderHook(() => useBackgroundSync(options), { ...t.wrap, reactStrictMode: true })
    await advance(60_000)
    expect(calls).toEqual([])
    await t.dispatch(t.realtime.actions.online())
    expect(calls).toEqual(['online'])
  })

  it('reports a transition between the first render and the effects', async () => {
    for (const strict of [false, true]) {
      FakeWebSocket.reset()
      const t = setupHooks({ strict })
      const { calls, options } = recorder()
      function Watcher() {
        useBackgroundSync(options)
        return null
      }
      // Layout effects run before passive ones: the network goes after Watcher rendered online,
      // before its effect subscribed to the store.
      function GoesOffline() {
        useLayoutEffect(() => void t.store.dispatch(t.realtime.actions.offline()), [])
        return null
      }
      const view = render(
        <>
          <Watcher />
          <GoesOffline />
        </>,
        t.wrap,
      )
      expect(calls).toEqual(['offline'])
      view.unmount()
    }
  })

  it('StrictMode calls each callback once per transition', async () => {
    const t = setupHooks({ strict: true })
    const { calls, options } = recorder()
    renderHook(() => useBackgroundSync(options), t.wrap)
    await t.start()
    await t.answer(snapshot(WIDGETS))
    await advance(10)
    await step(() => t.store.dispatch(t.realtime.actions.refresh()))
    await t.answer({ reason: 'busy' }, 'ERROR')
    expect(FakeWebSocket.instances).toHaveLength(1)
    await t.dispatch(t.realtime.actions.offline())
    await t.dispatch(t.realtime.actions.online())
    expect(calls).toEqual([expect.stringMatching(/^sync initial \d+$/), 'error REQUEST_REJECTED', 'offline', 'online'])
  })

  it('uses the latest callbacks without resubscribing', async () => {
    const t = setupHooks()
    const subscribe = vi.spyOn(t.store, 'subscribe')
    const first = vi.fn()
    const second = vi.fn()
    const { rerender } = renderHook((props: UseBackgroundSyncOptions) => useBackgroundSync(props), {
      ...t.wrap,
      initialProps: { onSync: first, onOffline: first },
    })
    await t.start()
    const subscriptions = subscribe.mock.calls.length
    rerender({ onSync: second, onOffline: second })
    rerender({ onSync: second, onOffline: second })
    await t.answer(snapshot(WIDGETS))
    await t.dispatch(t.realtime.actions.offline())
    expect(first).not.toHaveBeenCalled()
    expect(second.mock.calls).toEqual([[{ at: Date.now(), reason: 'initial' }], []])
    expect(subscribe.mock.calls.length).toBe(subscriptions)
  })

  it('a callback that throws is reported (reportError); the others and the store carry on', async () => {
    const t = setupHooks()
    const reportError = vi.fn()
    vi.stubGlobal('reportError', reportError)
    try {
      const onSync = vi.fn()
      renderHook(() => useBackgroundSync({ onOffline: () => { throw new Error('user bug') }, onSync }), t.wrap)
      await t.start()
      await t.answer(snapshot(WIDGETS))
      await t.dispatch(t.realtime.actions.offline())
      expect(reportError).toHaveBeenCalledWith(expect.objectContaining({ message: 'user bug' }))
      await advance(1_000)
      await t.dispatch(t.realtime.actions.online())
      await advance(0)
      await t.start()
      await t.answer({ seq: 1, messages: [] })
      expect(onSync).toHaveBeenCalledTimes(2)
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('does not re-render on inbound traffic', async () => {
    const t = setupHooks()
    const { result } = renderHook(counted(() => useBackgroundSync({ onSync: () => {} })), t.wrap)
    await t.start()
    await t.answer(snapshot(WIDGETS))
    const before = result.current
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 5, version: 2 } }, { type: 'HELLO' }, { type: 'STATS', data: 1 })
    expect(result.current).toBe(before)
  })

  it('outside <RealtimeProvider> throws an error naming it', () => {
    quietly(() => {
      expect(() => renderHook(() => useBackgroundSync())).toThrow('rtk-realtime: useBackgroundSync() must be used inside <RealtimeProvider realtime={realtime}>')
    })
  })
})
