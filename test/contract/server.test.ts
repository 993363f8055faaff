import { afterEach, describe, expect, it, vi } from 'vitest'
import { configureStore } from '@reduxjs/toolkit'
import { WebSocket } from 'ws'
import { createRealtime, silentLogger } from 'rtk-realtime'
import { startServer } from '../../examples/server'

let server: any
let cleanup: Array<() => void> = []
afterEach(async () => {
  for (const c of cleanup) c()
  cleanup = []
  await server?.stop()
})

function makeStore(url: string, extra: any = {}) {
  const realtime: any = createRealtime({
    url, WebSocket: WebSocket as any, logger: silentLogger, environmentListeners: false,
    collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
    mutations: {
      updateWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (w: any, { value }: any) => { w.value = value } },
      createWidget: { collection: 'widgets', message: 'WIDGET_CREATE', apply: (_: any, w: any) => ({ ...w }) },
    },
    ...extra,
  })
  const store = configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
  cleanup.push(() => store.dispatch(realtime.actions.disconnect()))
  return { realtime, store }
}

describe('against the reference server', () => {
  it('opens, measures latency, ECHO request, TIME request', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' })
    const { realtime, store } = makeStore(server.url)
    await vi.waitFor(() => expect(realtime.selectors.selectConnectionStatus(store.getState())).toBe('open'))
    await vi.waitFor(() => expect(typeof realtime.selectors.selectLatency(store.getState())).toBe('number'))
    const reply = await store.dispatch(realtime.request('ECHO', { hello: 1 }))
    expect(reply.data).toEqual({ hello: 1 })
    expect(reply.replyTo).toEqual(expect.any(String))
  })
  it('create + update op gets ACKed and confirmed with version +1', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' })
    const { realtime, store } = makeStore(server.url)
    await vi.waitFor(() => expect(realtime.selectors.selectConnectionStatus(store.getState())).toBe('open'))
    store.dispatch(realtime.actions.createWidget({ id: 'zz', value: 1 }))
    await vi.waitFor(() => expect(realtime.selectors.selectPendingCount(store.getState())).toBe(0))
    const v1 = realtime.selectors.selectEntityRecord(store.getState(), 'widgets', 'zz').version
    expect(v1).toBeGreaterThan(0)
    store.dispatch(realtime.actions.updateWidget({ id: 'zz', value: 2 }))
    await vi.waitFor(() => expect(realtime.selectors.selectPendingCount(store.getState())).toBe(0))
    const rec = realtime.selectors.selectEntityRecord(store.getState(), 'widgets', 'zz')
    expect(rec.version).toBe(v1 + 1)
    expect(rec.view).toMatchObject({ id: 'zz', value: 2 })
  })
  it('nackAll with retryable false rolls back with reason rejected', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' })
    const { realtime, store } = makeStore(server.url)
    await vi.waitFor(() => expect(realtime.selectors.selectConnectionStatus(store.getState())).toBe('open'))
    server.faults.nackAll = true
    store.dispatch(realtime.actions.createWidget({ id: 'nn', value: 1 }))
    await vi.waitFor(() => expect(realtime.selectors.selectRollbacks(store.getState())).toHaveLength(1))
    expect(realtime.selectors.selectRollbacks(store.getState())[0].reason.code).toBe('rejected')
    expect(realtime.selectors.selectEntity(store.getState(), 'widgets', 'nn')).toBeNull()
  })
})
