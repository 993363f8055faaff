import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureStore } from '@reduxjs/toolkit'
import createSagaMiddleware from 'redux-saga'
import { all, fork } from 'redux-saga/effects'
import { createRealtime, silentLogger } from '../../src'
import { FakeWebSocket } from '../support/fakeWebSocket'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('createRealtime', () => {
  it('throws at once, naming the option, for misspelt or mistyped options', () => {
    expect(() => createRealtime({ URL: 'ws://x' } as never)).toThrow(/createRealtime\(\{ URL \}\): unknown option/)
    expect(() => createRealtime({ url: 'http://example.test' })).toThrow(/createRealtime\(\{ url \}\) must be a ws:\/\/ or wss:\/\/ URL, got "http:\/\/example.test"/)
    expect(() => createRealtime({ WebSocket: 'ws' as never })).toThrow(/createRealtime\(\{ WebSocket \}\) must be a WebSocket constructor/)
    expect(() => createRealtime({ timers: { now: Date.now } as never })).toThrow(/\{ timers \}\) must be an object with setTimeout, clearTimeout and now/)
    expect(() => createRealtime({ reducerPath: 'a b' })).toThrow(/reducerPath/)
  })

  it('throws for invalid config, naming the option and the value', () => {
    expect(() => createRealtime({ config: { websocket: { RECONNECT_DELAY: -5 } } })).toThrow(/websocket\.RECONNECT_DELAY.*-5/)
    expect(() => createRealtime({ config: { websocket: { URL: 'http://x' } } })).toThrow(/websocket\.URL.*http:\/\/x/)
    expect(() => createRealtime({ config: { websocket: { URLL: 'ws://x' } } as never })).toThrow(/websocket\.URLL/)
  })

  it('exposes the resolved config with path lookup and feature flags, per environment', () => {
    const realtime = createRealtime({
      env: 'production',
      config: { websocket: { RECONNECT_ATTEMPTS: 9 }, environments: { production: { websocket: { HEARTBEAT_INTERVAL: 15_000 } } } },
    })
    expect(realtime.getConfig('websocket.URL')).toBe('ws://localhost:3000/ws')
    expect(realtime.getConfig('websocket.RECONNECT_ATTEMPTS')).toBe(9)
    expect(realtime.getConfig('websocket.HEARTBEAT_INTERVAL')).toBe(15_000)
    expect(realtime.isFeatureEnabled('ENABLE_OPTIMISTIC_UPDATES')).toBe(true)
    expect(createRealtime({ env: 'test', config: { environments: { production: { websocket: { HEARTBEAT_INTERVAL: 15_000 } } } } }).getConfig('websocket.HEARTBEAT_INTERVAL')).toBe(30_000)
  })

  it('the middleware refuses a store without the reducer', () => {
    const realtime = createRealtime({ WebSocket: FakeWebSocket, logger: silentLogger })
    expect(() => configureStore({ reducer: { other: () => 0 }, middleware: (g) => g().concat(realtime.middleware) })).toThrow(
      /reducer is not mounted at state\.realtime/,
    )
  })

  it('uses reducerPath for the state key and the action type prefix', async () => {
    const realtime = createRealtime({ reducerPath: 'live', WebSocket: FakeWebSocket, environmentListeners: false, logger: silentLogger })
    const store = configureStore({ reducer: { live: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    expect(realtime.actions.opened.type).toBe('live/connection/opened')
    expect(store.getState().live.connection.status).toBe('open')
  })

  it('two stores get two sockets from one realtime instance', async () => {
    const realtime = createRealtime({ WebSocket: FakeWebSocket, environmentListeners: false, logger: silentLogger })
    const make = () => configureStore({ reducer: { realtime: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
    make()
    make()
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.instances).toHaveLength(2)
  })

  it('runs inside a store that already has redux-saga when runSaga is false', async () => {
    const realtime = createRealtime({ runSaga: false, WebSocket: FakeWebSocket, environmentListeners: false, logger: silentLogger, inbound: { HI: 'hi/received' } })
    const sagaMiddleware = createSagaMiddleware()
    const seen: string[] = []
    const store = configureStore({
      reducer: { realtime: realtime.reducer },
      middleware: (g) =>
        g().concat(sagaMiddleware, realtime.middleware, () => (next: (a: unknown) => unknown) => (action: unknown) => (seen.push((action as { type: string }).type), next(action))),
    })
    function* rootSaga() {
      yield all([fork(realtime.saga)])
    }
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.instances).toHaveLength(0)
    sagaMiddleware.run(rootSaga)
    expect(FakeWebSocket.instances).toHaveLength(1)
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.deliver({ type: 'HI', data: 1 })
    expect(seen).toContain('hi/received')
    const reply = store.dispatch(realtime.request('ECHO', 1))
    FakeWebSocket.last.deliver({ type: 'ECHO', replyTo: FakeWebSocket.last.sentMessages[0]!.id, data: 1 })
    await expect(reply).resolves.toMatchObject({ data: 1 })
  })

  it('every action and the whole state stay plain serializable data through a session', async () => {
    const realtime = createRealtime({ WebSocket: FakeWebSocket, environmentListeners: false, logger: silentLogger })
    const actions: unknown[] = []
    const store = configureStore({
      reducer: { realtime: realtime.reducer },
      middleware: (g) => g().prepend(() => (next: (a: unknown) => unknown) => (a: unknown) => (actions.push(a), next(a))).concat(realtime.middleware),
    })
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.fail()
    FakeWebSocket.last.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.deliver('garbage')
    FakeWebSocket.last.deliver({ type: 'X', data: { deep: [1, { a: null }] } })
    const failure = expect(store.dispatch(realtime.request('R', undefined, { timeout: 10 }))).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' })
    await vi.advanceTimersByTimeAsync(10)
    await failure
    await vi.advanceTimersByTimeAsync(40_000)
    const isPlain = (v: unknown): boolean =>
      v === null ||
      ['string', 'number', 'boolean', 'undefined'].includes(typeof v) ||
      (Array.isArray(v) && v.every(isPlain)) ||
      (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(isPlain))
    for (const a of actions) expect(isPlain(a), JSON.stringify(a)).toBe(true)
    expect(isPlain(store.getState())).toBe(true)
    expect(actions.length).toBeGreaterThan(8)
  })
})
