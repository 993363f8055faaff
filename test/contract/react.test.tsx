// @vitest-environment jsdom
import { createElement, StrictMode, type ReactNode } from 'react'
import { act, cleanup, renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureStore, createListenerMiddleware } from '@reduxjs/toolkit'
import { Provider } from 'react-redux'
import { createRealtime, silentLogger } from 'rtk-realtime'
import { RealtimeProvider, useConnectionStatus, useRealtime, useWebSocket, useOptimisticUpdate, useRealtimeUpdates } from 'rtk-realtime/react'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'

function setup(listener = true, strict = false, serializable = true) {
  FakeWebSocket.reset()
  const realtime: any = createRealtime({
    WebSocket: FakeWebSocket as any,
    environmentListeners: false,
    logger: silentLogger,
    config: { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } },
    collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
    mutations: { updateWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (w: any, { value }: any) => { w.value = value } } },
  })
  const lm = createListenerMiddleware()
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (gDM) => {
      const base: any = gDM({ serializableCheck: serializable })
      return (listener ? base.prepend(lm.middleware) : base).concat(realtime.middleware)
    },
  })
  const wrapper = ({ children }: { children: ReactNode }) => {
    const inner = createElement(Provider as any, { store }, createElement(RealtimeProvider as any, { realtime }, children))
    return strict ? createElement(StrictMode, null, inner) : inner
  }
  return { realtime, store, wrapper }
}

beforeEach(() => FakeWebSocket.reset())
afterEach(() => cleanup())

describe('react hooks', () => {
  it('useWebSocket returns the documented shape; stable callbacks', async () => {
    const { wrapper } = setup()
    const { result, rerender } = renderHook(() => useWebSocket({}), { wrapper })
    await act(async () => {})
    const r: any = result.current
    for (const k of ['state', 'status', 'isConnected', 'latencyMs', 'send', 'request', 'connect', 'disconnect', 'subscribe']) expect(k in r, k).toBe(true)
    expect(r.status).toBe('connecting')
    expect(r.isConnected).toBe(false)
    expect(r.state.status).toBe('connecting')
    const first = { ...r }
    await act(async () => FakeWebSocket.last.acceptOpen())
    rerender()
    const r2: any = result.current
    expect(r2.status).toBe('open')
    expect(r2.isConnected).toBe(true)
    for (const k of ['send', 'request', 'connect', 'disconnect', 'subscribe']) expect(r2[k], k).toBe(first[k])
  })
  it('request returns the reply promise; send sends', async () => {
    const { wrapper } = setup()
    const { result } = renderHook(() => useWebSocket(), { wrapper })
    await act(async () => {})
    await act(async () => FakeWebSocket.last.acceptOpen())
    act(() => result.current.send('HI', { a: 1 }))
    expect(FakeWebSocket.last.sentMessages[0]).toEqual({ type: 'HI', data: { a: 1 } })
    let p: any
    act(() => { p = result.current.request('ECHO', { x: 1 }) })
    const id = FakeWebSocket.last.sentMessages.at(-1)!.id
    FakeWebSocket.last.deliver({ type: 'ECHO', replyTo: id, data: { x: 1 } })
    await expect(p).resolves.toMatchObject({ data: { x: 1 } })
  })
  it('onMessage / subscribe see inbound frames by wire type', async () => {
    const { wrapper } = setup()
    const onMessage = vi.fn()
    const onConnected = vi.fn()
    const { result } = renderHook(() => useWebSocket({ onMessage, onConnected }), { wrapper })
    await act(async () => {})
    const h = vi.fn()
    act(() => { result.current.subscribe('HELLO', h) })
    await act(async () => FakeWebSocket.last.acceptOpen())
    expect(onConnected).toHaveBeenCalled()
    await act(async () => { FakeWebSocket.last.deliver({ type: 'HELLO', data: 1 }); await endOfTurn() })
    expect(h).toHaveBeenCalledTimes(1)
    expect(onMessage).toHaveBeenCalled()
  })
  it('hooks outside RealtimeProvider throw naming the hook', () => {
    const { store } = setup()
    const w = ({ children }: { children: ReactNode }) => createElement(Provider as any, { store }, children)
    for (const [name, hook] of [['useRealtime', () => useRealtime()], ['useWebSocket', () => useWebSocket()], ['useConnectionStatus', () => useConnectionStatus()]] as const) {
      expect(() => renderHook(hook as any, { wrapper: w }), name).toThrow(new RegExp(name))
    }
  })
  it('useConnectionStatus returns the connection state; useRealtime the instance', async () => {
    const { wrapper, realtime } = setup()
    const { result } = renderHook(() => ({ c: useConnectionStatus(), r: useRealtime() }), { wrapper })
    await act(async () => {})
    expect(result.current.r).toBe(realtime)
    expect(result.current.c.status).toBe('connecting')
    expect(result.current.c).toHaveProperty('buffer')
  })
  it('StrictMode opens only one socket', async () => {
    const { wrapper } = setup(true, true)
    renderHook(() => useWebSocket(), { wrapper })
    await act(async () => {})
    expect(FakeWebSocket.instances).toHaveLength(1)
  })
  it('useOptimisticUpdate shape; update returns opId; useRealtimeUpdates shape', async () => {
    const { wrapper } = setup()
    const { result } = renderHook(() => ({ one: useOptimisticUpdate('widgets', 'w-1', 'updateWidget'), all: useRealtimeUpdates('widgets') }), { wrapper })
    await act(async () => {})
    await act(async () => FakeWebSocket.last.acceptOpen())
    await act(async () => FakeWebSocket.last.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 0, version: 1 } }))
    // The update waits for its batch window (200 ms): wait for it to land, not for a time.
    await vi.waitFor(() => expect((result.current.one as any).version).toBe(1))
    const one: any = result.current.one
    for (const k of ['data', 'pending', 'synced', 'ops', 'version', 'update', 'apply', 'confirm', 'rollback']) expect(k in one, k).toBe(true)
    expect(one.data).toEqual({ id: 'w-1', value: 0 })
    expect(one.version).toBe(1)
    expect(one.synced).toBe(true)
    let opId: any
    act(() => { opId = result.current.one.update({ id: 'w-1', value: 3 }) })
    expect(typeof opId).toBe('string')
    expect(result.current.one.data).toEqual({ id: 'w-1', value: 3 })
    expect(result.current.one.synced).toBe(false)
    expect(result.current.one.ops).toHaveLength(1)
    const all: any = result.current.all
    expect(all.data).toEqual({ 'w-1': { id: 'w-1', value: 3 } })
    expect(all.pending).toBe(1)
    expect(all.synced).toBe(false)
    act(() => result.current.one.rollback(opId))
    expect(result.current.one.data).toEqual({ id: 'w-1', value: 0 })
  })
})
