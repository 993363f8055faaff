// Contract, from the README's "Testing, teardown, SSR", the dispose() row of "Actions", "No
// WebSocket implementation" in "How the connection behaves", and "Tests and benchmarks" (scripts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { readFileSync } from 'node:fs'
import { configureStore } from '@reduxjs/toolkit'
import { renderToString } from 'react-dom/server'
import { Provider } from 'react-redux'
import { collection, createRealtime, silentLogger } from 'rtk-realtime'
import { RealtimeProvider, createRealtimeHooks, useConnectionStatus } from 'rtk-realtime/react'
import { FakeWebSocket, open8, upd, type Widget } from './harness8'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

const DEFAULT_WS = { HEARTBEAT_INTERVAL: 30_000, WAKE_CHECK_INTERVAL: 5_000 } // the package's defaults: timers running

describe('dispose()', () => {
  it('has the type <reducerPath>/dispose', () => {
    const a = createRealtime({ environmentListeners: false })
    const b = createRealtime({ environmentListeners: false, reducerPath: 'live' })
    expect(a.actions.dispose().type).toBe('realtime/dispose')
    expect(b.actions.dispose().type).toBe('live/dispose')
  })

  it('dispatches disconnect(), closes the socket, rejects waiting requests with DISPOSED, and leaves no timer', async () => {
    const loads: number[] = []
    const t = await open8({
      sync: { type: 'SYNC' },
      config: { websocket: DEFAULT_WS },
      collections: {
        widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }),
        alerts: { updates: ['ALERT_UPDATE'], load: async () => { loads.push(Date.now()); return [] } },
      },
    })
    const socket = t.socket
    const pending = t.dispatch(t.realtime.request('ECHO', { a: 1 }, { timeout: 60_000 }))
    const caught = pending.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(0)
    expect(vi.getTimerCount()).toBeGreaterThan(0)
    t.dispatch(t.realtime.actions.dispose())
    await vi.advanceTimersByTimeAsync(0)
    expect(t.ofType('realtime/connection/disconnect')).toHaveLength(1)
    expect(socket.closedByClient).not.toBeNull()
    expect(await caught).toMatchObject({ code: 'DISPOSED' })
    expect(vi.getTimerCount()).toBe(0)
    const loadsAtDispose = loads.length
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(loads.length).toBe(loadsAtDispose)
  })

  it('nothing starts again: connect() opens nothing, request() rejects at once with DISPOSED, send() writes nothing', async () => {
    const t = await open8({ config: { websocket: DEFAULT_WS } })
    t.dispatch(t.realtime.actions.dispose())
    await vi.advanceTimersByTimeAsync(0)
    const sockets = FakeWebSocket.instances.length
    const sentBefore = t.socket.sent.length
    t.dispatch(t.realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeWebSocket.instances.length).toBe(sockets)
    let settled: unknown = 'pending'
    t.dispatch(t.realtime.request('ECHO')).then(() => { settled = 'resolved' }, (e: unknown) => { settled = e })
    await Promise.resolve()
    await Promise.resolve()
    expect(settled).toMatchObject({ code: 'DISPOSED' })
    t.dispatch(t.realtime.actions.send('HELLO', 1))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(t.socket.sent.length).toBe(sentBefore)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('dispose twice is harmless; a mutation or a frame on the old socket afterwards starts nothing', async () => {
    const t = await open8({ config: { websocket: DEFAULT_WS } })
    t.dispatch(t.realtime.actions.dispose())
    expect(() => t.dispatch(t.realtime.actions.dispose())).not.toThrow()
    await vi.advanceTimersByTimeAsync(0)
    expect(vi.getTimerCount()).toBe(0)
    const sentBefore = t.socket.sent.length
    expect(() => t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 1 }))).not.toThrow()
    t.socket.deliver(upd('w-9', 1, 1))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.socket.sent.length).toBe(sentBefore)
    expect(t.batches()).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  for (const mode of ['auto', 'window', 'raf', 'off'] as const) {
    it(`${mode}: dispose with updates waiting in the batcher leaves no timer, and they are not applied later`, async () => {
      const t = await open8({}, { BATCH_MODE: mode })
      for (let i = 0; i < 60; i++) t.socket.deliver(upd(`w-${i}`, 1, i))
      t.socket.deliver(upd('last', 1, 1))
      t.dispatch(t.realtime.actions.dispose())
      await vi.advanceTimersByTimeAsync(0)
      expect(vi.getTimerCount()).toBe(0)
      const n = t.batches().length
      await vi.advanceTimersByTimeAsync(1_000)
      expect(t.batches().length).toBe(n)
    })
  }

  it('removes the environment listeners', async () => {
    const unsubscribe = vi.fn()
    const install = vi.fn(() => unsubscribe)
    const t = await open8({ environmentListeners: install })
    expect(install).toHaveBeenCalledTimes(1)
    expect(unsubscribe).not.toHaveBeenCalled()
    t.dispatch(t.realtime.actions.dispose())
    await vi.advanceTimersByTimeAsync(0)
    expect(unsubscribe).toHaveBeenCalledTimes(1)
  })

  it('dispose before the middleware ever started (dispatched first) leaves no socket and no timer', async () => {
    FakeWebSocket.reset()
    const realtime = createRealtime({ WebSocket: FakeWebSocket as any, environmentListeners: false, logger: silentLogger })
    const store = configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
    store.dispatch(realtime.actions.dispose())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeWebSocket.instances.filter((s) => s.readyState !== FakeWebSocket.CLOSED)).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('disconnect() by contrast is a pause: connect() opens again', async () => {
    const t = await open8()
    t.dispatch(t.realtime.actions.disconnect())
    await vi.advanceTimersByTimeAsync(0)
    const n = FakeWebSocket.instances.length
    t.dispatch(t.realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.instances.length).toBe(n + 1)
    t.dispatch(t.realtime.actions.dispose())
  })
})

describe('no WebSocket implementation (Node 20 without the option, a server-side render)', () => {
  function makeWithout(extra: any = {}) {
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const realtime = createRealtime({ environmentListeners: false, logger, ...extra })
    const store = configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
    return { realtime, store, logger }
  }

  it('makes no attempt, sets no timer, logs nothing; status idle; connectFailed (attempt 0) with NO_WEBSOCKET naming the option', async () => {
    expect((globalThis as any).WebSocket).toBeUndefined()
    const seen: any[] = []
    const { realtime, store, logger } = makeWithout()
    store.subscribe(() => seen.push(store.getState().realtime.connection.status))
    await vi.advanceTimersByTimeAsync(0)
    const connection = realtime.selectors.selectConnection(store.getState())
    expect(connection.status).toBe('idle')
    expect(connection.lastError).toMatchObject({ name: 'ConfigurationError', code: 'NO_WEBSOCKET' })
    expect(connection.lastError?.message).toContain('WebSocket')
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(120_000)
    for (const fn of Object.values(logger)) expect(fn).not.toHaveBeenCalled()
    expect(seen.every((s) => s === 'idle')).toBe(true)
    store.dispatch(realtime.actions.dispose())
  })

  it('a connectFailed with attempt 0 is dispatched', async () => {
    const types: any[] = []
    const realtime = createRealtime({ environmentListeners: false, logger: silentLogger })
    const store = configureStore({
      reducer: { [realtime.reducerPath]: realtime.reducer },
      middleware: (g) => g().prepend(() => (next: any) => (a: any) => { types.push(a); return next(a) }).concat(realtime.middleware),
    })
    await vi.advanceTimersByTimeAsync(0)
    const failed = types.filter((a) => a.type === 'realtime/connection/connectFailed')
    expect(failed).toHaveLength(1)
    expect(failed[0].payload.attempt).toBe(0)
    store.dispatch(realtime.actions.dispose())
  })

  it('connect() looks for a WebSocket again', async () => {
    const { realtime, store } = makeWithout()
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.reset()
    vi.stubGlobal('WebSocket', FakeWebSocket)
    store.dispatch(realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.instances).toHaveLength(1)
    store.dispatch(realtime.actions.dispose())
  })

  it('SSR: renders from that state (useEntity says loading), status idle, nothing logged, dispose leaves no timer', async () => {
    const { realtime, store, logger } = makeWithout({
      collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) },
    })
    const { useEntity } = createRealtimeHooks(realtime)
    function Tile() {
      const { data, loading, status } = useEntity('widgets', 'w-1')
      const connection = useConnectionStatus()
      return <p>{`${loading ? 'loading' : 'ready'}|${status}|${String(data)}|${connection.status}`}</p>
    }
    const html = renderToString(
      <Provider store={store}><RealtimeProvider realtime={realtime}><Tile /></RealtimeProvider></Provider>,
    )
    expect(html).toContain('loading|loading|undefined|idle')
    const { [realtime.reducerPath]: _omit, ...preloaded } = store.getState() as any
    expect(preloaded).toEqual({})
    store.dispatch(realtime.actions.dispose())
    await vi.advanceTimersByTimeAsync(0)
    expect(vi.getTimerCount()).toBe(0)
    for (const fn of Object.values(logger)) expect(fn).not.toHaveBeenCalled()
  })
})

describe('scripts named in "Tests and benchmarks"', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  it('lint, type-check, check:size and dev exist; npm test runs tsc, ESLint, vitest, the package checks and the bundle budgets', () => {
    for (const name of ['lint', 'type-check', 'check:size', 'dev', 'build', 'bench', 'test']) expect(pkg.scripts[name], name).toEqual(expect.any(String))
    expect(pkg.scripts.lint).toMatch(/eslint/)
    expect(pkg.scripts.test).toMatch(/typecheck|type-check/)
    expect(pkg.scripts.test).toMatch(/lint/)
    expect(pkg.scripts.test).toMatch(/check:size/)
    expect(pkg.scripts.test).toMatch(/check:package|publint/)
  })
})
