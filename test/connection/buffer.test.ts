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

describe('sendRefused: one action per frame the full buffer refuses', () => {
  const REFUSED = 'realtime/connection/sendRefused'
  const refusals = (t: ReturnType<typeof createTestStore>) => t.seen.filter((a) => t.realtime.actions.sendRefused.match(a))

  it('each send beyond MAX_BUFFERED_SENDS is reported with its type, reason and time; the next open clears lastError', async () => {
    const t = createTestStore({ config: { websocket: { MAX_BUFFERED_SENDS: 3 } } })
    const at = Date.now()
    for (let i = 0; i < 5; i++) t.store.dispatch(t.realtime.actions.send(`M${i}`, i))
    const refused = refusals(t)
    expect(refused.map((a) => a.payload)).toEqual([
      { type: 'M3', code: 'BUFFER_FULL', reason: expect.stringContaining('websocket.MAX_BUFFERED_SENDS = 3'), at },
      { type: 'M4', code: 'BUFFER_FULL', reason: expect.stringContaining('send("M4") refused'), at },
    ])
    // Each right after the send it refuses, plain data, and matched by the public action creator.
    expect(t.types().slice(-2)).toEqual(['realtime/connection/send', REFUSED])
    expect(JSON.parse(JSON.stringify(refused))).toEqual(refused)
    expect(t.connection().lastError).toMatchObject({ code: 'BUFFER_FULL', message: refused[1]!.payload.reason })

    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    expect(t.connection().lastError).toBeNull()
    expect(FakeWebSocket.last.sentMessages.map((m) => m.type)).toEqual(['M0', 'M1', 'M2'])
    // Open: sends go straight out, nothing is refused however many.
    for (let i = 0; i < 5; i++) t.store.dispatch(t.realtime.actions.send('LIVE', i))
    expect(refusals(t)).toHaveLength(2)
    expect(FakeWebSocket.last.sentMessages).toHaveLength(8)
  })

  it('a refused request is reported with its requestId (and its promise rejects with BUFFER_FULL)', async () => {
    const t = createTestStore({ config: { websocket: { MAX_BUFFERED_SENDS: 1 } } })
    t.store.dispatch(t.realtime.actions.send('FIRST'))
    const request = t.realtime.request('GET_STATS')
    await expect(t.store.dispatch(request)).rejects.toMatchObject({ code: 'BUFFER_FULL' })
    expect(refusals(t).map((a) => a.payload)).toEqual([
      { type: 'GET_STATS', code: 'BUFFER_FULL', reason: expect.stringContaining('send("GET_STATS")'), requestId: request.payload.requestId, at: expect.any(Number) },
    ])
    expect(t.connection().requests).toEqual({})
  })

  it('a send requeued from a closing socket into a full buffer is reported too', async () => {
    const t = createTestStore({ config: { websocket: { MAX_BUFFERED_SENDS: 2 } } })
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    socket.readyState = FakeWebSocket.CLOSING
    for (const type of ['A', 'B', 'C']) t.store.dispatch(t.realtime.actions.send(type))
    expect(t.connection().buffer.map((m) => m.type)).toEqual(['A', 'B'])
    expect(refusals(t).map((a) => a.payload.type)).toEqual(['C'])
    expect(t.types().slice(-3)).toEqual(['realtime/connection/send', 'realtime/connection/sendRequeued', REFUSED])
  })

  it('an open after failed attempts clears their lastError', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.fail()
    FakeWebSocket.last.serverClose(1006)
    expect(t.connection().lastError).not.toBeNull()
    await vi.advanceTimersByTimeAsync(1000)
    FakeWebSocket.last.acceptOpen()
    expect(t.connection()).toMatchObject({ status: 'open', lastError: null })
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
