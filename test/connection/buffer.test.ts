import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { createTestStore } from '../support/createTestStore'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('outbound buffer', () => {
  it('holds sends made before the socket opens and flushes them first, in order', async () => {
    const t = createTestStore()
    const { send } = t.realtime.actions
    t.store.dispatch(send('A', 1))
    await vi.advanceTimersByTimeAsync(0)
    t.store.dispatch(send('B', 2))
    t.store.dispatch(send('C'))
    expect(t.connection().buffer.map((m) => m.type)).toEqual(['A', 'B', 'C'])
    FakeWebSocket.last.acceptOpen()
    t.store.dispatch(send('D', 4))
    expect(FakeWebSocket.last.sentMessages).toEqual([
      { type: 'A', data: 1 },
      { type: 'B', data: 2 },
      { type: 'C' },
      { type: 'D', data: 4 },
    ])
    expect(t.connection().buffer).toEqual([])
  })

  it('keeps sends made during a reconnect and delivers them on the next socket', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.serverClose(1006)
    t.store.dispatch(t.realtime.actions.send('WHILE_DOWN', { n: 1 }))
    await vi.advanceTimersByTimeAsync(1000)
    FakeWebSocket.last.acceptOpen()
    expect(FakeWebSocket.last.sentMessages).toEqual([{ type: 'WHILE_DOWN', data: { n: 1 } }])
  })

  it('requeues a send that meets a socket already closing', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    const first = FakeWebSocket.last
    first.acceptOpen()
    // The server's close frame arrived; the close event has not been delivered yet.
    first.readyState = FakeWebSocket.CLOSING
    t.store.dispatch(t.realtime.actions.send('RACE', 1))
    expect(first.sentMessages).toEqual([])
    expect(t.connection().buffer).toEqual([{ type: 'RACE', data: 1 }])
    first.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    FakeWebSocket.last.acceptOpen()
    expect(FakeWebSocket.last.sentMessages).toEqual([{ type: 'RACE', data: 1 }])
  })

  it('refuses a send beyond MAX_BUFFERED_SENDS with an error in state and keeps what it holds', async () => {
    const t = createTestStore({ config: { websocket: { MAX_BUFFERED_SENDS: 3 } } })
    for (let i = 0; i < 5; i++) t.store.dispatch(t.realtime.actions.send('M', i))
    expect(t.connection().buffer.map((m) => m.data)).toEqual([0, 1, 2])
    expect(t.connection().lastError).toMatchObject({ name: 'BufferOverflowError', code: 'BUFFER_FULL' })
    expect(t.connection().lastError!.message).toContain('websocket.MAX_BUFFERED_SENDS = 3')
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    expect(FakeWebSocket.last.sentMessages.map((m) => m.data)).toEqual([0, 1, 2])
  })
})

describe('request / response', () => {
  it('resolves with the reply whose replyTo matches, whatever comes in between', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    const a = t.store.dispatch(t.realtime.request('ECHO', { n: 'a' }))
    const b = t.store.dispatch(t.realtime.request('ECHO', { n: 'b' }))
    const [ra, rb] = socket.sentMessages.map((m) => m.id!)
    expect(ra).not.toBe(rb)
    socket.deliver({ type: 'NOISE', replyTo: 'someone-else' })
    socket.deliver({ type: 'ECHO', replyTo: rb, data: { n: 'b' } })
    socket.deliver({ type: 'ECHO', replyTo: ra, data: { n: 'a' } })
    await expect(a).resolves.toEqual({ type: 'ECHO', replyTo: ra, data: { n: 'a' } })
    await expect(b).resolves.toEqual({ type: 'ECHO', replyTo: rb, data: { n: 'b' } })
    expect(t.connection().requests).toEqual({})
    // The unmatched reply is an ordinary message.
    expect(t.seen.find((x) => x.type === 'realtime/connection/messageReceived')).toMatchObject({ payload: { type: 'NOISE' } })
  })

  it('rejects with a serializable timeout error when no reply comes', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    const p = t.store.dispatch(t.realtime.request('SLOW', undefined, { timeout: 500 }))
    const failure = expect(p).rejects.toEqual({
      name: 'TimeoutError',
      code: 'REQUEST_TIMEOUT',
      message: expect.stringContaining('"SLOW"'),
    })
    await vi.advanceTimersByTimeAsync(500)
    await failure
    expect(t.connection().requests).toEqual({})
    const failed = t.seen.find((x) => x.type === 'realtime/connection/requestFailed')!
    expect(JSON.parse(JSON.stringify(failed))).toEqual(failed)
  })

  it('rejects on a NACK reply and when the send buffer is full', async () => {
    const t = createTestStore({ config: { websocket: { MAX_BUFFERED_SENDS: 1 } } })
    const first = t.store.dispatch(t.realtime.request('A'))
    const second = t.store.dispatch(t.realtime.request('B'))
    await expect(second).rejects.toMatchObject({ code: 'BUFFER_FULL' })
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    const id = FakeWebSocket.last.sentMessages[0]!.id
    FakeWebSocket.last.deliver({ type: 'NACK', replyTo: id, data: { reason: 'nope', retryable: false } })
    await expect(first).rejects.toMatchObject({ code: 'REQUEST_REJECTED', message: expect.stringContaining('nope') })
  })

  it('a request that timed out while waiting for the socket is never sent', async () => {
    const t = createTestStore()
    const failure = expect(t.store.dispatch(t.realtime.request('CHARGE', { cents: 100 }, { timeout: 50 }))).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
    })
    t.store.dispatch(t.realtime.actions.send('AFTER'))
    await vi.advanceTimersByTimeAsync(50)
    await failure
    expect(t.connection().buffer).toEqual([{ type: 'AFTER' }])
    FakeWebSocket.last.acceptOpen()
    expect(FakeWebSocket.last.sentMessages).toEqual([{ type: 'AFTER' }])
  })

  it('throws at once for a malformed request call', () => {
    const t = createTestStore()
    expect(() => t.realtime.request('')).toThrow(/realtime\.request\(type\)/)
    expect(() => t.realtime.request('X', null, { timeout: -1 })).toThrow(/timeout must be a positive number/)
  })
})
