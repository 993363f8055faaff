import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureStore } from '@reduxjs/toolkit'
import { createRealtime, createConfig, defaultConfig, RealtimeConfigError, silentLogger, isInboundAction } from 'rtk-realtime'
import { mk, FakeWebSocket } from './harness'
import { endOfTurn } from '../support/fakeWebSocket'

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(1_000_000)
})
afterEach(() => {
  vi.useRealTimers()
})

describe('createRealtime shape', async () => {
  it('reducerPath defaults to realtime and members exist', async () => {
    const { realtime } = await mk()
    expect(realtime.reducerPath).toBe('realtime')
    for (const k of ['reducer', 'middleware', 'saga', 'actions', 'selectors', 'request', 'config', 'getConfig', 'isFeatureEnabled']) {
      expect(realtime[k], k).toBeDefined()
    }
    for (const s of ['selectConnection', 'selectConnectionStatus', 'selectIsConnected', 'selectLatency']) {
      expect(typeof realtime.selectors[s], s).toBe('function')
    }
  })
  it('custom reducerPath prefixes action types', async () => {
    const { realtime, store } = await mk({ reducerPath: 'rt' })
    expect(realtime.reducerPath).toBe('rt')
    expect(realtime.actions.connect().type).toBe('rt/connection/connect')
    expect(store.getState().rt.connection).toBeDefined()
  })
  it('action types are <reducerPath>/connection/<name>', async () => {
    const { realtime } = await mk()
    const a = realtime.actions
    expect(a.connect().type).toBe('realtime/connection/connect')
    expect(a.disconnect().type).toBe('realtime/connection/disconnect')
    expect(a.send('X', 1).type).toBe('realtime/connection/send')
    expect(a.online().type).toBe('realtime/connection/online')
    expect(a.offline().type).toBe('realtime/connection/offline')
    expect(a.visibilityChanged({ visible: true }).type).toBe('realtime/connection/visibilityChanged')
    expect(a.livenessCheck({ reason: 'x' }).type).toBe('realtime/connection/livenessCheck')
    for (const n of ['connecting', 'opened', 'closed', 'connectFailed', 'reconnectScheduled', 'gaveUp', 'socketError', 'messageReceived', 'messageRejected', 'pongReceived', 'requestStarted', 'requestSucceeded', 'requestFailed', 'sendRequeued']) {
      expect(a[n]?.type, n).toBe(`realtime/connection/${n}`)
    }
  })
})

describe('mistakes throw at once', async () => {
  it('unknown createRealtime option names the option', async () => {
    expect(() => createRealtime({ urll: 'ws://x' } as any)).toThrow(/urll/)
  })
  it('invalid config value throws RealtimeConfigError (a TypeError) with option and value', async () => {
    let err: any
    try {
      createRealtime({ config: { websocket: { RECONNECT_DELAY: -1 } } } as any)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(RealtimeConfigError)
    expect(err).toBeInstanceOf(TypeError)
    expect(err.option).toMatch(/RECONNECT_DELAY/)
    expect(err.value).toBe(-1)
    expect(err.message).toMatch(/RECONNECT_DELAY/)
    expect(err.message).toMatch(/-1/)
  })
  it('unknown config key websocket.URLL', async () => {
    expect(() => createConfig({ websocket: { URLL: 'x' } } as any)).toThrow(/websocket\.URLL/)
  })
  it('non-ws URL, jitter out of range, non-integer counts, max<delay', async () => {
    expect(() => createConfig({ websocket: { URL: 'http://x' } } as any)).toThrow(RealtimeConfigError)
    expect(() => createConfig({ websocket: { RECONNECT_JITTER: 1.5 } } as any)).toThrow(/RECONNECT_JITTER/)
    expect(() => createConfig({ websocket: { RECONNECT_ATTEMPTS: 1.5 } } as any)).toThrow(/RECONNECT_ATTEMPTS/)
    expect(() => createConfig({ websocket: { RECONNECT_MAX_DELAY: 10, RECONNECT_DELAY: 100 } } as any)).toThrow(RealtimeConfigError)
    expect(() => createConfig({ websocket: { RECONNECT_DELAY: 'x' } } as any)).toThrow(RealtimeConfigError)
  })
  it('every environment is validated', async () => {
    expect(() => createConfig({ environments: { production: { websocket: { URL: 'http://bad' } } } } as any, { environment: 'development' })).toThrow(RealtimeConfigError)
  })
  it('malformed inbound route throws', async () => {
    expect(() => createRealtime({ inbound: { X: 42 } } as any)).toThrow(/inbound/)
  })
  it("request('') throws", async () => {
    const realtime = createRealtime({ WebSocket: FakeWebSocket as any, logger: silentLogger, environmentListeners: false })
    expect(() => realtime.request('')).toThrow()
  })
  it('middleware without the reducer throws naming the reducer', async () => {
    const realtime = createRealtime({ WebSocket: FakeWebSocket as any, logger: silentLogger, environmentListeners: false })
    expect(() => {
      const store = configureStore({ reducer: { other: (s = 0) => s }, middleware: (g) => g().concat(realtime.middleware) })
      store.dispatch({ type: 'x' })
    }).toThrow(/reducer/)
  })
})

describe('config defaults and resolution', async () => {
  it('defaults match the README table', async () => {
    const c = createConfig().values as any
    expect(c.websocket).toMatchObject({
      URL: 'ws://localhost:3000/ws', RECONNECT_ATTEMPTS: 5, RECONNECT_DELAY: 1000, RECONNECT_MAX_DELAY: 30000,
      RECONNECT_JITTER: 0.5, CONNECT_TIMEOUT: 10000, HEARTBEAT_INTERVAL: 30000, PONG_TIMEOUT: 10000,
      WAKE_CHECK_INTERVAL: 5000, REQUEST_TIMEOUT: 10000, MAX_FRAME_BYTES: 1048576, MAX_BUFFERED_SENDS: 100, AUTO_CONNECT: true,
    })
    expect(c.optimistic).toMatchObject({ TIMEOUT: 30000, MAX_PENDING: 100, CONFLICT_RESOLUTION: 'REMOTE_WINS', SYNC_INTERVAL: 60000 })
    expect(c.backgroundSync).toMatchObject({ SYNC_INTERVAL: 30000, WIDGET_REFRESH: 60000, MAX_OUTBOX_SIZE: 100, MAX_RETRIES: 3 })
    expect(c.updates).toMatchObject({ BATCH_SIZE: 50, BATCH_DELAY: 200, DEBOUNCE_DELAY: 100, DEDUPLICATION: true, BATCH_MODE: 'auto' })
    expect(c.features).toMatchObject({ ENABLE_WEBSOCKET: true, ENABLE_OPTIMISTIC_UPDATES: true, ENABLE_BACKGROUND_SYNC: true })
    expect((defaultConfig as any).websocket.URL).toBe('ws://localhost:3000/ws')
  })
  it('createConfig returns environment, values, getConfig, isFeatureEnabled; env overrides apply', async () => {
    const cfg = createConfig({ websocket: { RECONNECT_ATTEMPTS: 10 }, environments: { production: { websocket: { URL: 'wss://rt.example.com/ws' } } } } as any, { environment: 'production' })
    expect(cfg.environment).toBe('production')
    expect(cfg.getConfig('websocket.URL')).toBe('wss://rt.example.com/ws')
    expect(cfg.getConfig('websocket.RECONNECT_ATTEMPTS')).toBe(10)
    expect(cfg.isFeatureEnabled('ENABLE_WEBSOCKET')).toBe(true)
  })
  it('env option selects the environment', async () => {
    const { realtime } = await mk({ env: 'development', config: { environments: { development: { websocket: { URL: 'ws://dev/ws' } } } } })
    expect(realtime.getConfig('websocket.URL')).toBe('ws://dev/ws')
    expect(realtime.isFeatureEnabled('ENABLE_WEBSOCKET')).toBe(true)
  })
})

describe('connection lifecycle', async () => {
  it('connects on store creation, opens, PINGs at once, and state fields', async () => {
    const { conn, of, realtime, store } = await mk({ url: 'ws://a/ws' })
    expect(conn().status).toBe('connecting')
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(FakeWebSocket.last.url).toBe('ws://a/ws')
    expect(of('connecting')[0].payload).toEqual({ attempt: expect.any(Number) })
    FakeWebSocket.last.acceptOpen()
    expect(conn().status).toBe('open')
    expect(conn().attempt).toBe(0)
    expect(conn().openedAt).toBe(Date.now())
    expect(of('opened')[0].payload).toEqual({ at: Date.now(), flushed: 0 })
    expect(realtime.selectors.selectConnectionStatus(store.getState())).toBe('open')
    expect(realtime.selectors.selectIsConnected(store.getState())).toBe(true)
    const ping = FakeWebSocket.last.allSentMessages.find((m) => m.type === 'PING')!
    expect(ping).toBeTruthy()
    expect(ping.data.ts).toBe(Date.now())
  })
  it('idle status without AUTO_CONNECT; connect() connects', async () => {
    const { conn, dispatch, realtime } = await mk({ config: { websocket: { AUTO_CONNECT: false } } })
    expect(conn().status).toBe('idle')
    expect(FakeWebSocket.instances).toHaveLength(0)
    dispatch(realtime.actions.connect())
    expect(FakeWebSocket.instances).toHaveLength(1)
  })
  it('PONG echoing ts gives latencyMs and pongReceived {sentAt, receivedAt}', async () => {
    const { conn, of, realtime, store } = await mk()
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    const ping = ws.allSentMessages.find((m) => m.type === 'PING')!
    await vi.advanceTimersByTimeAsync(42)
    ws.deliver({ type: 'PONG', replyTo: ping.id, data: { ts: ping.data.ts } })
    expect(conn().latencyMs).toBe(42)
    expect(realtime.selectors.selectLatency(store.getState())).toBe(42)
    expect(of('pongReceived')[0].payload).toMatchObject({ sentAt: 1_000_000, receivedAt: 1_000_042 })
  })
  it('next PING HEARTBEAT_INTERVAL after the answer', async () => {
    await mk({ config: { websocket: { HEARTBEAT_INTERVAL: 5000 } } })
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    const pings = () => ws.allSentMessages.filter((m) => m.type === 'PING')
    const p = pings()[0]!
    await vi.advanceTimersByTimeAsync(100)
    ws.deliver({ type: 'PONG', replyTo: p.id, data: { ts: p.data.ts } })
    await vi.advanceTimersByTimeAsync(4999)
    expect(pings()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(pings()).toHaveLength(2)
  })
  it('unanswered PING for PONG_TIMEOUT closes with 4000 naming websocket.PONG_TIMEOUT', async () => {
    const { conn } = await mk({ config: { websocket: { PONG_TIMEOUT: 3000 } } })
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    await vi.advanceTimersByTimeAsync(2999)
    expect(ws.closedByClient).toBeNull()
    await vi.advanceTimersByTimeAsync(1)
    expect(ws.closedByClient?.code ?? (ws.terminated ? 4000 : undefined)).toBe(4000)
    expect(conn().lastClose?.code).toBe(4000)
    expect(conn().lastClose?.reason).toMatch(/websocket\.PONG_TIMEOUT/)
    expect(conn().status).toBe('reconnecting')
  })
  it('server PING answered with PONG echoing data', async () => {
    await mk()
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    ws.deliver({ type: 'PING', id: 'p1', data: { ts: 123 } })
    const pong = ws.allSentMessages.find((m) => m.type === 'PONG')!
    expect(pong.data).toEqual({ ts: 123 })
  })
  it('reconnect delays 1s,2s,4s,8s,16s with random 0.5, then failed with gaveUp after 5', async () => {
    const { conn, of } = await mk()
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.serverClose(1006, 'gone', false)
    expect(conn().status).toBe('reconnecting')
    expect(of('closed')[0].payload).toEqual({ close: { code: 1006, reason: 'gone', wasClean: false }, byUser: false })
    expect(conn().lastClose).toEqual({ code: 1006, reason: 'gone', wasClean: false })
    const expected = [1000, 2000, 4000, 8000, 16000]
    for (let i = 0; i < 5; i++) {
      const rs = of('reconnectScheduled').at(-1)
      expect(rs.payload).toEqual({ attempt: i + 1, delayMs: expected[i], nextRetryAt: Date.now() + expected[i]! })
      expect(conn().nextRetryAt).toBe(Date.now() + expected[i]!)
      expect(conn().attempt).toBe(i + 1)
      const before = FakeWebSocket.instances.length
      await vi.advanceTimersByTimeAsync(expected[i]! - 1)
      expect(FakeWebSocket.instances.length).toBe(before)
      await vi.advanceTimersByTimeAsync(1)
      expect(FakeWebSocket.instances.length).toBe(before + 1)
      FakeWebSocket.last.serverClose(1006, '', false)
    }
    expect(conn().status).toBe('failed')
    expect(of('gaveUp')[0].payload).toEqual({ attempts: 5 })
    expect(of('connectFailed').length).toBe(5)
    expect(of('connectFailed')[0].payload).toMatchObject({ attempt: 1, error: expect.any(Object) })
  })
  it('jitter: random 0 gives -50%, random ~1 gives +50%', async () => {
    const { of } = await mk({ random: () => 0 })
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.serverClose()
    expect(of('reconnectScheduled')[0].payload.delayMs).toBe(500)
  })
  it('connect timeout fails the attempt', async () => {
    const { of, conn } = await mk({ config: { websocket: { CONNECT_TIMEOUT: 2000 } } })
    await vi.advanceTimersByTimeAsync(2000)
    expect(of('connectFailed')).toHaveLength(1)
    expect(conn().status).toBe('reconnecting')
  })
  it('disconnect(): closed, no reconnect; connect() and back', async () => {
    const { conn, dispatch, realtime, of } = await mk()
    FakeWebSocket.last.acceptOpen()
    dispatch(realtime.actions.disconnect())
    expect(conn().status).toBe('closed')
    expect(of('closed').at(-1).payload.byUser).toBe(true)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    dispatch(realtime.actions.connect())
    expect(FakeWebSocket.instances).toHaveLength(2)
  })
  it('disconnect() during backoff never reconnects', async () => {
    const { conn, dispatch, realtime } = await mk()
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.serverClose()
    dispatch(realtime.actions.disconnect())
    await vi.advanceTimersByTimeAsync(120_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(conn().status).toBe('closed')
  })
  it('offline pauses, online retries at once with fresh count', async () => {
    const { conn, dispatch, realtime } = await mk()
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.serverClose()
    dispatch(realtime.actions.offline())
    expect(conn().status).toBe('offline')
    expect(conn().online).toBe(false)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    dispatch(realtime.actions.online())
    expect(FakeWebSocket.instances).toHaveLength(2)
    expect(conn().online).toBe(true)
  })
  it('url function that throws: attempt fails with reason in lastError', async () => {
    const { conn, of } = await mk({ url: () => { throw new Error('no token') } })
    await vi.advanceTimersByTimeAsync(0)
    expect(of('connectFailed')).toHaveLength(1)
    expect(conn().lastError.message).toMatch(/no token/)
  })
  it('url function returning non-ws URL fails the attempt', async () => {
    const { conn, of } = await mk({ url: async () => 'http://x' })
    await vi.advanceTimersByTimeAsync(0)
    expect(of('connectFailed')).toHaveLength(1)
    expect(conn().lastError).toBeTruthy()
  })
  it('url function is called before every attempt', async () => {
    let n = 0
    await mk({ url: () => `ws://h/ws?t=${++n}` })
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.last.url).toBe('ws://h/ws?t=1')
    FakeWebSocket.last.serverClose()
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeWebSocket.last.url).toBe('ws://h/ws?t=2')
  })
  it('no WebSocket: idle, NO_WEBSOCKET naming the WebSocket option', async () => {
    const orig = (globalThis as any).WebSocket
    ;(globalThis as any).WebSocket = undefined
    try {
      const { conn } = await mk({ WebSocket: undefined })
      expect(conn().status).toBe('idle')
      expect(conn().lastError.code).toBe('NO_WEBSOCKET')
      expect(conn().lastError.message).toMatch(/WebSocket/)
    } finally {
      ;(globalThis as any).WebSocket = orig
    }
  })
  it('ENABLE_WEBSOCKET false: no socket is ever opened', async () => {
    const { dispatch, realtime } = await mk({ config: { features: { ENABLE_WEBSOCKET: false } } })
    dispatch(realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(10_000)
    expect(FakeWebSocket.instances).toHaveLength(0)
  })
  it('visibilityChanged stores visible; livenessCheck PINGs now', async () => {
    const { conn, dispatch, realtime } = await mk()
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    const p = ws.allSentMessages.find((m) => m.type === 'PING')!
    ws.deliver({ type: 'PONG', replyTo: p.id, data: { ts: p.data.ts } })
    dispatch(realtime.actions.visibilityChanged({ visible: false }))
    expect(conn().visible).toBe(false)
    const n = ws.allSentMessages.filter((m) => m.type === 'PING').length
    dispatch(realtime.actions.livenessCheck({ reason: 'test' }))
    expect(ws.allSentMessages.filter((m) => m.type === 'PING').length).toBe(n + 1)
  })
  it('wake detection: a big clock jump dispatches livenessCheck', async () => {
    const { of } = await mk()
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    const p = ws.allSentMessages.find((m) => m.type === 'PING')!
    ws.deliver({ type: 'PONG', replyTo: p.id, data: { ts: p.data.ts } })
    vi.setSystemTime(Date.now() + 60_000)
    await vi.advanceTimersByTimeAsync(5000)
    expect(of('livenessCheck').length).toBeGreaterThan(0)
  })
})

describe('sends and buffer', async () => {
  it('send while connecting buffers, flushed in order on open, opened.flushed counts', async () => {
    const { conn, dispatch, realtime, of } = await mk()
    dispatch(realtime.actions.send('A', 1))
    dispatch(realtime.actions.send('B'))
    expect(conn().buffer).toHaveLength(2)
    expect(conn().buffer[0]).toMatchObject({ type: 'A', data: 1 })
    FakeWebSocket.last.acceptOpen()
    expect(FakeWebSocket.last.sentMessages.map((m) => m.type)).toEqual(['A', 'B'])
    expect(FakeWebSocket.last.sentMessages[0]).toEqual({ type: 'A', data: 1 })
    expect(of('opened')[0].payload.flushed).toBe(2)
    expect(conn().buffer).toHaveLength(0)
  })
  it('BUFFER_FULL beyond MAX_BUFFERED_SENDS, nothing dropped', async () => {
    const { conn, dispatch, realtime } = await mk({ config: { websocket: { MAX_BUFFERED_SENDS: 2 } } })
    dispatch(realtime.actions.send('A'))
    dispatch(realtime.actions.send('B'))
    dispatch(realtime.actions.send('C'))
    expect(conn().buffer.map((e: any) => e.type)).toEqual(['A', 'B'])
    expect(conn().lastError.code).toBe('BUFFER_FULL')
  })
  it('send when open goes out now as {type,data}', async () => {
    const { dispatch, realtime } = await mk()
    FakeWebSocket.last.acceptOpen()
    dispatch(realtime.actions.send('SUBSCRIBE', { board: 'ops' }))
    expect(FakeWebSocket.last.sentMessages).toEqual([{ type: 'SUBSCRIBE', data: { board: 'ops' } }])
  })
})

describe('inbound', async () => {
  it('unregistered type becomes messageReceived with whole envelope, meta.realtime', async () => {
    const { of, conn } = await mk()
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.deliver({ type: 'HELLO', data: { a: 1 }, seq: 3, id: 'i1', ts: 5 })
    const a = of('messageReceived')[0]
    expect(a.payload).toEqual({ type: 'HELLO', data: { a: 1 }, seq: 3, id: 'i1', ts: 5 })
    expect(a.meta.realtime).toEqual({ source: 'realtime', type: 'HELLO', receivedAt: Date.now(), seq: 3, id: 'i1', ts: 5 })
    expect(isInboundAction(a, 'realtime')).toBe(true)
    expect(conn().received).toBeGreaterThanOrEqual(1)
    expect(conn().lastMessageAt).toBe(Date.now())
  })
  it('routes by string type, action creator, and validator', async () => {
    const { ofType, of } = await mk({
      inbound: {
        STATS: 'stats/received',
        ALERT: Object.assign((p: any) => ({ type: 'alerts/raised', payload: p }), { type: 'alerts/raised' }),
        W: { action: 'w/updated', validate: (d: any) => typeof d?.id === 'string' || 'id must be a string' },
      },
    })
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.deliver({ type: 'STATS', data: { n: 1 } })
    expect(ofType('stats/received')[0]).toMatchObject({ type: 'stats/received', payload: { n: 1 }, meta: { realtime: { source: 'realtime', type: 'STATS' } } })
    await endOfTurn()
    FakeWebSocket.last.deliver({ type: 'W', data: { id: 5 } })
    await endOfTurn()
    expect(ofType('w/updated')).toHaveLength(0)
    const rej = of('messageRejected')[0]
    expect(rej.payload).toMatchObject({ code: 'validation_failed', type: 'W', at: Date.now() })
    expect(rej.payload.reason).toMatch(/W/)
    FakeWebSocket.last.deliver({ type: 'W', data: { id: 'ok' } })
    await endOfTurn()
    expect(ofType('w/updated')).toHaveLength(1)
  })
  it('routing PING/PONG throws', async () => {
    expect(() => createRealtime({ inbound: { PING: 'x/y' } } as any)).toThrow()
  })
  it('bad frame codes', async () => {
    const { of, conn } = await mk({ config: { websocket: { MAX_FRAME_BYTES: 100 } } })
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    ws.deliver(new Uint8Array([1, 2]))
    ws.deliver('not json')
    ws.deliver('[1]')
    ws.deliver(JSON.stringify({ type: '' }))
    ws.deliver(JSON.stringify({ type: 'X', id: 5 }))
    ws.deliver(JSON.stringify({ type: 'X', seq: 'a' }))
    ws.deliver(JSON.stringify({ type: 'X', data: 'y'.repeat(200) }))
    await endOfTurn()
    expect(of('messageRejected').map((a) => a.payload.code)).toEqual([
      'binary_frame', 'malformed_json', 'invalid_envelope', 'invalid_envelope', 'invalid_envelope', 'invalid_envelope', 'frame_too_large',
    ])
    expect(conn().rejected).toBe(7)
    expect(conn().lastRejection.code).toBe('frame_too_large')
  })
  it('forbidden_key: stripped, delivered, rejection records stripped paths', async () => {
    const { of } = await mk()
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    ws.deliver('{"type":"X","data":{"a":1,"__proto__":{"p":1},"b":{"constructor":2}}}')
    await endOfTurn()
    const rej = of('messageRejected')[0]
    expect(rej.payload.code).toBe('forbidden_key')
    expect(rej.payload.stripped.length).toBe(2)
    const rec = of('messageReceived')[0]
    expect(rec.payload.data).toEqual({ a: 1, b: {} })
  })
  it('burst in one turn is delivered in order', async () => {
    const { of } = await mk()
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    for (let i = 0; i < 5; i++) ws.deliver({ type: 'M', data: i })
    await endOfTurn()
    expect(of('messageReceived').map((a) => a.payload.data)).toEqual([0, 1, 2, 3, 4])
  })
})

describe('request / response', async () => {
  it('request frame {type,id,data}; resolves with reply envelope; actions', async () => {
    const { dispatch, realtime, of, conn } = await mk({ generateId: () => 'r1' })
    FakeWebSocket.last.acceptOpen()
    const p = dispatch(realtime.request('GET_STATS', { range: '1h' }))
    const frame = FakeWebSocket.last.sentMessages[0]
    expect(frame).toEqual({ type: 'GET_STATS', id: 'r1', data: { range: '1h' } })
    expect(conn().requests.r1).toEqual({ type: 'GET_STATS', startedAt: Date.now(), timeoutMs: 10000 })
    FakeWebSocket.last.deliver({ type: 'OTHER' })
    FakeWebSocket.last.deliver({ type: 'STATS', replyTo: 'r1', data: { n: 1 } })
    const reply = await p
    expect(reply).toMatchObject({ type: 'STATS', replyTo: 'r1', data: { n: 1 } })
    expect(of('requestStarted')[0].payload.requestId).toBe('r1')
    expect(of('requestSucceeded')[0].payload.requestId).toBe('r1')
    expect(conn().requests.r1).toBeUndefined()
  })
  it('NACK rejects REQUEST_REJECTED plain object', async () => {
    const { dispatch, realtime, of } = await mk({ generateId: () => 'r1' })
    FakeWebSocket.last.acceptOpen()
    const p = dispatch(realtime.request('X'))
    FakeWebSocket.last.deliver({ type: 'NACK', replyTo: 'r1', data: { reason: 'nope' } })
    const err = await p.catch((e: any) => e)
    expect(err).not.toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: expect.any(String), message: expect.any(String), code: 'REQUEST_REJECTED' })
    expect(err.message).toMatch(/nope/)
    expect(of('requestFailed')[0].payload.requestId).toBe('r1')
  })
  it('ERROR rejects REQUEST_REJECTED', async () => {
    const { dispatch, realtime } = await mk({ generateId: () => 'r1' })
    FakeWebSocket.last.acceptOpen()
    const p = dispatch(realtime.request('X'))
    FakeWebSocket.last.deliver({ type: 'ERROR', replyTo: 'r1', data: { reason: 'bad' } })
    await expect(p).rejects.toMatchObject({ code: 'REQUEST_REJECTED' })
  })
  it('timeout from dispatch, REQUEST_TIMEOUT; custom timeout', async () => {
    const { dispatch, realtime } = await mk()
    const p = dispatch(realtime.request('X', undefined, { timeout: 5000 }))
    const caught = p.catch((e: any) => e)
    await vi.advanceTimersByTimeAsync(5000)
    expect(await caught).toMatchObject({ code: 'REQUEST_TIMEOUT' })
  })
  it('default timeout is REQUEST_TIMEOUT (10s), buffered while not open', async () => {
    const { dispatch, realtime, conn } = await mk()
    const p = dispatch(realtime.request('X'))
    expect(conn().buffer).toHaveLength(1)
    let settled: any
    p.then(() => (settled = 'ok'), (e: any) => (settled = e))
    await vi.advanceTimersByTimeAsync(9999)
    expect(settled).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(settled).toMatchObject({ code: 'REQUEST_TIMEOUT' })
  })
  it('request buffer full rejects BUFFER_FULL', async () => {
    const { dispatch, realtime } = await mk({ config: { websocket: { MAX_BUFFERED_SENDS: 1 } } })
    dispatch(realtime.actions.send('A'))
    await expect(dispatch(realtime.request('X'))).rejects.toMatchObject({ code: 'BUFFER_FULL' })
  })
})
