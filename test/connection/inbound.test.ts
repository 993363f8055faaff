import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAction, createSlice } from '@reduxjs/toolkit'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createTestStore } from '../support/createTestStore'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => {
  vi.useRealTimers()
})

async function openStore(options: Parameters<typeof createTestStore>[0] = {}) {
  const t = createTestStore(options)
  await vi.advanceTimersByTimeAsync(0)
  FakeWebSocket.last.acceptOpen()
  return t
}

const rejections = (t: ReturnType<typeof createTestStore>) =>
  t.seen.filter((a) => a.type === 'realtime/connection/messageRejected').map((a) => a.payload as { code: string; reason: string })

describe('inbound routing', () => {
  it('routes registered types to their actions with data as payload and envelope facts in meta', async () => {
    const statsReceived = createAction<{ cpu: number }>('stats/received')
    const t = await openStore({ inbound: { STATS: statsReceived, ALERT: 'alerts/raised' } })
    FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 0.5 }, seq: 7, ts: 100 })
    FakeWebSocket.last.deliver({ type: 'ALERT', data: 'disk full', seq: 8 })
    await endOfTurn()
    const [stats, alert] = t.seen.slice(-2)
    expect(stats).toEqual({
      type: 'stats/received',
      payload: { cpu: 0.5 },
      meta: { realtime: { source: 'realtime', type: 'STATS', receivedAt: Date.now(), seq: 7, ts: 100 } },
    })
    expect(alert).toMatchObject({ type: 'alerts/raised', payload: 'disk full', meta: { realtime: { seq: 8 } } })
    expect(t.connection()).toMatchObject({ received: 2, lastMessageAt: Date.now() })
  })

  it('unregistered types arrive as messageReceived with the whole envelope', async () => {
    const t = await openStore()
    FakeWebSocket.last.deliver({ type: 'WHATEVER', id: 'x', data: [1, 2], seq: 3 })
    expect(t.seen.at(-1)).toMatchObject({
      type: 'realtime/connection/messageReceived',
      payload: { type: 'WHATEVER', id: 'x', data: [1, 2], seq: 3 },
    })
  })

  it('a user slice can react to routed actions with extraReducers', async () => {
    const statsReceived = createAction<{ cpu: number }>('stats/received')
    const stats = createSlice({
      name: 'stats',
      initialState: { cpu: 0 },
      reducers: {},
      extraReducers: (b) => b.addCase(statsReceived, (s, a) => void (s.cpu = a.payload.cpu)),
    })
    const { configureStore } = await import('@reduxjs/toolkit')
    const { createRealtime, silentLogger } = await import('../../src')
    const realtime = createRealtime({ WebSocket: FakeWebSocket, environmentListeners: false, logger: silentLogger, inbound: { STATS: statsReceived } })
    const store = configureStore({
      reducer: { stats: stats.reducer, [realtime.reducerPath]: realtime.reducer },
      middleware: (g) => g().concat(realtime.middleware),
    })
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 0.9 } })
    expect(store.getState().stats.cpu).toBe(0.9)
  })

  it('a validator rejects a payload before any reducer sees it, and a throwing one breaks nothing', async () => {
    const t = await openStore({
      inbound: {
        STATS: { action: 'stats/received', validate: (d) => (typeof (d as { cpu?: unknown })?.cpu === 'number' ? true : 'cpu must be a number') },
        BOOM: {
          action: 'boom/received',
          validate: () => {
            throw new Error('validator bug')
          },
        },
      },
    })
    FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 'high' } })
    FakeWebSocket.last.deliver({ type: 'BOOM', data: 1 })
    FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 1 } })
    await endOfTurn()
    expect(t.types().filter((x) => x === 'stats/received' || x === 'boom/received')).toEqual(['stats/received'])
    expect(rejections(t)).toEqual([
      expect.objectContaining({ code: 'validation_failed', reason: expect.stringMatching(/"STATS".*cpu must be a number/) }),
      expect.objectContaining({ code: 'validation_failed', reason: expect.stringMatching(/"BOOM".*threw validator bug/) }),
    ])
  })

  it('malformed, binary, oversized and envelope-less frames become messageRejected and the stream goes on', async () => {
    const t = await openStore({ config: { websocket: { MAX_FRAME_BYTES: 64 } } })
    const socket = FakeWebSocket.last
    socket.deliver('{not json')
    socket.deliver(new Uint8Array([1, 2, 3]))
    socket.deliver(JSON.stringify({ type: 'BIG', data: 'x'.repeat(100) }))
    socket.deliver(JSON.stringify({ data: 1 }))
    socket.deliver(JSON.stringify([1, 2]))
    socket.deliver({ type: 'OK', data: 1 })
    await endOfTurn()
    expect(rejections(t).map((r) => r.code)).toEqual([
      'malformed_json',
      'binary_frame',
      'frame_too_large',
      'invalid_envelope',
      'invalid_envelope',
    ])
    expect(t.seen.at(-1)).toMatchObject({ type: 'realtime/connection/messageReceived', payload: { type: 'OK' } })
    expect(t.connection()).toMatchObject({ rejected: 5, received: 1, status: 'open' })
    expect(t.connection().lastRejection).toMatchObject({ code: 'invalid_envelope' })
  })

  it('strips prototype-pollution keys, reports them, and Object.prototype stays clean', async () => {
    const t = await openStore({ inbound: { CFG: 'cfg/received' } })
    FakeWebSocket.last.deliver('{"type":"CFG","data":{"a":1,"__proto__":{"polluted":true},"nested":[{"constructor":{"prototype":{"polluted":true}}}]}}')
    FakeWebSocket.last.deliver('{"type":"CFG","data":{"\\u005f_proto__":{"polluted":true}}}')
    await endOfTurn()
    const delivered = t.seen.filter((a) => a.type === 'cfg/received').map((a) => a.payload)
    expect(delivered).toEqual([{ a: 1, nested: [{}] }, {}])
    expect(rejections(t).map((r) => r.code)).toEqual(['forbidden_key', 'forbidden_key'])
    const merged = Object.assign({}, ...(delivered as object[]))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(merged.polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })

  it('rejects routes that would take over package message types, and malformed routes', async () => {
    const { createRealtime } = await import('../../src')
    expect(() => createRealtime({ inbound: { PONG: 'x/pong' } })).toThrow(/inbound\["PONG"\].*handled by the package/)
    expect(() => createRealtime({ inbound: { A: 42 as never } })).toThrow(/inbound\["A"\] must be an action type string/)
    expect(() => createRealtime({ inbound: { A: { action: 'a', validate: 'yes' as never } } })).toThrow(/inbound\["A"\]\.validate must be a function/)
  })
})
