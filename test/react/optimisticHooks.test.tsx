// @vitest-environment jsdom
import type { ReactNode } from 'react'
import { act, cleanup, renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureStore } from '@reduxjs/toolkit'
import { Provider } from 'react-redux'
import { createRealtime } from '../../src'
import { RealtimeProvider, useOptimisticUpdate, useRealtimeUpdates } from '../../src/react'
import { silentLogger } from '../../src/world/logger'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { widgetOptions } from '../support/widgets'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

async function setup() {
  const realtime = createRealtime({
    ...widgetOptions,
    WebSocket: FakeWebSocket,
    environmentListeners: false,
    logger: silentLogger,
    config: { updates: { BATCH_MODE: 'off' }, websocket: { HEARTBEAT_INTERVAL: 0 } },
  })
  const store = configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
  await vi.advanceTimersByTimeAsync(0)
  FakeWebSocket.last.acceptOpen()
  FakeWebSocket.last.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 1, version: 1 } })
  await endOfTurn()
  const wrapper = ({ children }: { children: ReactNode }) => (
    <Provider store={store}>
      <RealtimeProvider realtime={realtime}>{children}</RealtimeProvider>
    </Provider>
  )
  return { realtime, store, wrapper }
}

describe('useOptimisticUpdate', () => {
  it('shows the view at once, reports pending until the ACK, and settles', async () => {
    const { wrapper } = await setup()
    const { result } = renderHook(() => useOptimisticUpdate<{ value: number }>('widgets', 'w-1', 'updateWidget'), { wrapper })
    expect(result.current).toMatchObject({ data: { id: 'w-1', value: 1 }, pending: false, synced: true, version: 1 })
    let opId = ''
    act(() => {
      opId = result.current.update({ id: 'w-1', value: 9 })
    })
    expect(result.current).toMatchObject({ data: { value: 9 }, pending: true, synced: false })
    expect(result.current.ops.map((o) => o.opId)).toEqual([opId])
    act(() => FakeWebSocket.last.deliver({ type: 'ACK', replyTo: opId, data: { key: 'w-1', version: 2, value: { id: 'w-1', value: 9 } } }))
    expect(result.current).toMatchObject({ data: { value: 9 }, pending: false, version: 2 })
  })

  it('rollback(opId) takes the change back', async () => {
    const { wrapper } = await setup()
    const { result } = renderHook(() => useOptimisticUpdate<{ value: number }>('widgets', 'w-1', 'updateWidget'), { wrapper })
    act(() => {
      result.current.rollback(result.current.apply({ id: 'w-1', value: 5 }))
    })
    expect(result.current).toMatchObject({ data: { value: 1 }, pending: false })
  })

  it('names the hook and the mutation when it is not declared', async () => {
    const { wrapper } = await setup()
    expect(() => renderHook(() => useOptimisticUpdate('widgets', 'w-1', 'nope'), { wrapper })).toThrow(/useOptimisticUpdate\("widgets", "w-1", "nope"\): no mutation "nope"/)
  })
})

describe('useRealtimeUpdates', () => {
  it('returns the collection views and the pending count', async () => {
    const { wrapper, realtime, store } = await setup()
    const { result } = renderHook(() => useRealtimeUpdates('widgets'), { wrapper })
    expect(result.current).toEqual({ data: { 'w-1': { id: 'w-1', value: 1 } }, pending: 0, synced: true })
    act(() => void store.dispatch(realtime.actions.updateWidget({ id: 'w-1', value: 3 })))
    expect(result.current).toEqual({ data: { 'w-1': { id: 'w-1', value: 3 } }, pending: 1, synced: false })
  })
})
