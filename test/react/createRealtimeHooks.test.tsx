// @vitest-environment jsdom
import type { ReactNode } from 'react'
import { act, cleanup, renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureStore } from '@reduxjs/toolkit'
import { Provider } from 'react-redux'
import { collection, createRealtime } from '../../src'
import { createRealtimeHooks, RealtimeProvider, useEntity, useOptimisticUpdate, usePendingOps, useRealtime, useRealtimeUpdates } from '../../src/react'
import { silentLogger } from '../../src/world/logger'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'

interface Widget {
  id: string
  value: number
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

const options = {
  collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) },
  mutations: {
    updateWidget: {
      collection: 'widgets',
      message: 'WIDGET_UPDATE',
      apply: (widget: Widget | null, { value }: { id: string; value: number }) => void (widget && (widget.value = value)),
    },
  },
  sync: false,
  WebSocket: FakeWebSocket,
  environmentListeners: false,
  logger: silentLogger,
  config: { updates: { BATCH_MODE: 'off' }, websocket: { HEARTBEAT_INTERVAL: 0 } },
} as const

async function setup() {
  const realtime = createRealtime(options)
  const store = configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
  await vi.advanceTimersByTimeAsync(0)
  FakeWebSocket.last.acceptOpen()
  await endOfTurn()
  const wrapper = ({ children }: { children: ReactNode }) => (
    <Provider store={store}>
      <RealtimeProvider realtime={realtime}>{children}</RealtimeProvider>
    </Provider>
  )
  return { realtime, store, wrapper }
}

describe('createRealtimeHooks(realtime)', () => {
  it('hands back the package hooks themselves: the types are all it adds', () => {
    const hooks = createRealtimeHooks(createRealtime(options))
    expect(hooks).toEqual({ useRealtime, useEntity, useOptimisticUpdate, useRealtimeUpdates, usePendingOps })
  })

  it('throws naming createRealtimeHooks() for anything but an instance', () => {
    for (const bad of [undefined, null, {}, 'realtime']) {
      expect(() => createRealtimeHooks(bad as never)).toThrow(/^rtk-realtime: createRealtimeHooks\(realtime\): realtime must be what createRealtime\(\) returned/)
    }
  })

  it('the typed hooks read and change entities over the socket like the untyped ones', async () => {
    const { realtime, wrapper } = await setup()
    const hooks = createRealtimeHooks(realtime)
    const { result } = renderHook(
      () => ({ one: hooks.useEntity('widgets', 'w-1'), all: hooks.useRealtimeUpdates('widgets'), edit: hooks.useOptimisticUpdate('widgets', 'w-1', 'updateWidget'), instance: hooks.useRealtime() }),
      { wrapper },
    )
    expect(result.current.one.data).toBeUndefined()
    expect(result.current.instance).toBe(realtime)
    // Late and out of order: version 2 first, then a stale version 1 that must not win.
    act(() => {
      FakeWebSocket.last.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 5, version: 2 } })
      FakeWebSocket.last.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 1, version: 1 } })
    })
    await act(endOfTurn)
    expect(result.current.one).toMatchObject({ data: { id: 'w-1', value: 5 }, version: 2, status: 'ready' })
    expect(result.current.all.data).toEqual({ 'w-1': { id: 'w-1', value: 5 } })
    let opId = ''
    act(() => {
      opId = result.current.edit.update({ id: 'w-1', value: 9 })
    })
    expect(result.current.one).toMatchObject({ data: { value: 9 }, pending: true })
    act(() => FakeWebSocket.last.deliver({ type: 'ACK', replyTo: opId, data: { key: 'w-1', version: 3, value: { id: 'w-1', value: 9 } } }))
    expect(result.current.one).toMatchObject({ data: { value: 9 }, pending: false, version: 3 })
  })
})
