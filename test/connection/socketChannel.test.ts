import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createTestStore } from '../support/createTestStore'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('socket channel', () => {
  it('drops no frame that arrives while the saga is busy dispatching, and keeps their order', async () => {
    const t = createTestStore({ inbound: { N: 'n/received' } })
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    // While the first frame's action is being dispatched the saga is inside `put`; every frame
    // that arrives meanwhile must wait in the channel, not fall out of it.
    let burst = false
    t.store.subscribe(() => {
      if (burst) return
      burst = true
      for (let i = 1; i < 500; i++) socket.deliver({ type: 'N', data: i })
    })
    socket.deliver({ type: 'N', data: 0 })
    await endOfTurn()
    const received = t.seen.filter((a) => a.type === 'n/received').map((a) => a.payload)
    expect(received).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  it('detaches from a socket it gave up on', async () => {
    createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    socket.serverClose(1006)
    expect(socket.onmessage).toBeNull()
    expect(socket.onclose).toBeNull()
  })
})

describe('bursts', () => {
  it('passes the first frame of a turn at once and the rest of the burst at the end of the turn, in order', async () => {
    const t = createTestStore({ inbound: { N: 'n/received' } })
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    for (let i = 0; i < 100; i++) socket.deliver({ type: 'N', data: i })
    const received = () => t.seen.filter((a) => a.type === 'n/received').map((a) => a.payload)
    expect(received()).toEqual([0])
    await endOfTurn()
    expect(received()).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('a close ends the burst first: frames before it are not lost', async () => {
    const t = createTestStore({ inbound: { N: 'n/received' } })
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    socket.deliver({ type: 'N', data: 1 })
    socket.deliver({ type: 'N', data: 2 })
    socket.serverClose(1006)
    expect(t.seen.filter((a) => a.type === 'n/received').map((a) => a.payload)).toEqual([1, 2])
    expect(t.connection().status).toBe('reconnecting')
  })
})

describe('socket error events', () => {
  const errorsOf = (t: ReturnType<typeof createTestStore>) => t.seen.filter((a) => t.realtime.actions.socketError.match(a)).map((a) => a.payload)

  async function openSocket() {
    const t = createTestStore({ config: { websocket: { HEARTBEAT_INTERVAL: 0 } } })
    await vi.advanceTimersByTimeAsync(0)
    FakeWebSocket.last.acceptOpen()
    return { t, socket: FakeWebSocket.last }
  }

  it('keep the detail ws gives (message, code) as strings only; a browser error event says nothing more', async () => {
    const { t, socket } = await openSocket()
    const error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', socket: {} })
    socket.onerror?.({ type: 'error', message: 'read ECONNRESET', error, target: socket })
    socket.fail()
    expect(errorsOf(t)).toEqual([
      { name: 'WebSocketError', message: 'rtk-realtime: the socket reported an error: read ECONNRESET', code: 'ECONNRESET' },
      { name: 'WebSocketError', message: 'rtk-realtime: the socket reported an error' },
    ])
    expect(t.connection().status).toBe('open') // a close event, not an error, ends the session
  })

  it('a frame ws refused for its size (maxPayload): frame_too_large, the socket dropped at once with 1009, then a reconnect', async () => {
    const { t, socket } = await openSocket()
    const error = Object.assign(new RangeError('Max payload size exceeded'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' })
    socket.onerror?.({ type: 'error', message: error.message, error })
    await endOfTurn()
    expect(t.seen.filter((a) => t.realtime.actions.messageRejected.match(a)).map((a) => a.payload)).toEqual([
      { code: 'frame_too_large', reason: expect.stringContaining('limit of 1048576 bytes (websocket.MAX_FRAME_BYTES)'), at: Date.now() },
    ])
    // ws has sent its close frame and stopped reading: we do not wait for its close event.
    expect(socket.terminated).toBe(true)
    const close = { code: 1009, reason: 'frame over the limit of 1048576 bytes (websocket.MAX_FRAME_BYTES)', wasClean: false }
    expect(t.seen.filter((a) => t.realtime.actions.closed.match(a)).map((a) => a.payload)).toEqual([{ close, byUser: false }])
    expect(t.connection()).toMatchObject({ status: 'reconnecting', lastClose: close, lastError: { code: 'FRAME_TOO_LARGE' }, rejected: 1 })
    // ws's own close event, late, says 1006: the channel is gone and it changes nothing.
    socket.serverClose(1006)
    expect(t.seen.filter((a) => t.realtime.actions.closed.match(a))).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeWebSocket.instances).toHaveLength(2)
    FakeWebSocket.last.acceptOpen()
    expect(t.connection()).toMatchObject({ status: 'open', lastError: null, lastRejection: { code: 'frame_too_large' } })
  })
})
