/**
 * Issue 9: `disconnect()` fails the requests still waiting at once (`DISCONNECTED`), instead of
 * holding their promises, and a Node process through their timers, until the request timeout.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { createTestStore } from '../support/createTestStore'
import { createWidgetStore } from '../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const FAILED = 'realtime/connection/requestFailed'

describe('disconnect() with requests pending', () => {
  it('rejects a sent request at once with DISCONNECTED naming it, and leaves no timer behind', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    const request = t.realtime.request('GET_STATS', { range: '1h' })
    const reply = t.store.dispatch(request)
    const outcome = reply.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    expect(FakeWebSocket.last.sentMessages).toEqual([{ type: 'GET_STATS', id: request.payload.requestId, data: { range: '1h' } }])

    t.store.dispatch(t.realtime.actions.disconnect())
    // Settled inside the dispatch: no timer has to fire.
    expect(vi.getTimerCount()).toBe(0)
    expect(await outcome).toEqual({
      name: 'DisconnectedError',
      code: 'DISCONNECTED',
      message: expect.stringContaining(`request "GET_STATS" (${request.payload.requestId}) failed: disconnect()`),
    })
    expect(t.connection()).toMatchObject({ status: 'closed', requests: {}, buffer: [] })
    const failed = t.seen.filter((a) => a.type === FAILED)
    expect(failed).toHaveLength(1)
    expect(JSON.parse(JSON.stringify(failed))).toEqual(failed)

    // A reply that comes late (the server answered as the socket closed) changes nothing.
    FakeWebSocket.last.deliver({ type: 'STATS', replyTo: request.payload.requestId, data: {} })
    expect(t.seen.filter((a) => a.type === FAILED || a.type === 'realtime/connection/requestSucceeded')).toHaveLength(1)
  })

  it('rejects a request still buffered (the socket never opened), and it is not sent after connect()', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    const first = FakeWebSocket.last
    const waiting = expect(t.store.dispatch(t.realtime.request('SAVE', { n: 1 }))).rejects.toMatchObject({ code: 'DISCONNECTED' })
    t.store.dispatch(t.realtime.actions.send('NOTE'))
    expect(t.connection().buffer.map((m) => m.type)).toEqual(['SAVE', 'NOTE'])
    t.store.dispatch(t.realtime.actions.disconnect())
    await waiting
    expect(vi.getTimerCount()).toBe(0)
    expect(t.connection().buffer.map((m) => m.type)).toEqual(['NOTE'])

    t.store.dispatch(t.realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.last).not.toBe(first)
    FakeWebSocket.last.acceptOpen()
    expect(FakeWebSocket.last.sentMessages.map((m) => m.type)).toEqual(['NOTE'])
  })

  it('several requests, the sync’s own SYNC among them: all fail at once, no timer is left (sync, heartbeat, batching)', async () => {
    const t = createWidgetStore()
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.last.syncRequests).toHaveLength(1)
    const replies = ['A', 'B', 'C'].map((type) => t.store.dispatch(t.realtime.request(type, undefined, { timeout: 60_000 })))
    const outcomes = Promise.allSettled(replies)
    expect(Object.keys(t.connection().requests)).toHaveLength(4)

    t.store.dispatch(t.realtime.actions.disconnect())
    expect(t.connection().requests).toEqual({})
    const settled = await outcomes
    expect(settled.map((s) => s.status === 'rejected' && (s.reason as { code: string }).code)).toEqual(['DISCONNECTED', 'DISCONNECTED', 'DISCONNECTED'])
    expect(t.seen.filter((a) => a.type === FAILED)).toHaveLength(4)
    await vi.advanceTimersByTimeAsync(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('dispose() still rejects them as DISPOSED, not DISCONNECTED', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    const reply = expect(t.store.dispatch(t.realtime.request('GET_STATS'))).rejects.toMatchObject({ code: 'DISPOSED' })
    t.store.dispatch(t.realtime.actions.dispose())
    await reply
    expect(t.seen.filter((a) => a.type === FAILED).map((a) => (a.payload as { error: { code: string } }).error.code)).toEqual(['DISPOSED'])
    expect(t.connection()).toMatchObject({ status: 'closed', requests: {} })
    expect(vi.getTimerCount()).toBe(0)
  })
})
