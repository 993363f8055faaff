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

async function openStore(options: Parameters<typeof createTestStore>[0] = {}) {
  const t = createTestStore(options)
  await vi.advanceTimersByTimeAsync(0)
  FakeWebSocket.last.acceptOpen()
  return t
}

const pings = (socket: FakeWebSocket) => socket.allSentMessages.filter((m) => m.type === 'PING')

// Answers the PING the client sends right after opening, as a healthy server would.
function answerPings(socket: FakeWebSocket) {
  for (const ping of pings(socket).slice(socket.answered)) socket.deliver({ type: 'PONG', data: ping.data })
  socket.answered = pings(socket).length
}

describe('heartbeat', () => {
  it('PINGs on open and then every HEARTBEAT_INTERVAL, and measures latency from the PONG', async () => {
    const t = await openStore()
    const socket = FakeWebSocket.last
    expect(pings(socket)).toHaveLength(1)
    expect(pings(socket)[0]!.data.ts).toBe(Date.now())
    await vi.advanceTimersByTimeAsync(7)
    answerPings(socket)
    expect(t.connection().latencyMs).toBe(7)
    // The interval runs from the answer to the last PING.
    await vi.advanceTimersByTimeAsync(29_999)
    expect(pings(socket)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(pings(socket)).toHaveLength(2)
    const sentTs = pings(socket)[1]!.data.ts
    expect(sentTs).toBe(Date.now())
    await vi.advanceTimersByTimeAsync(42)
    socket.deliver({ type: 'PONG', data: { ts: sentTs } })
    expect(t.connection().latencyMs).toBe(42)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(pings(socket)).toHaveLength(3)
  })

  it('a socket that never answers its first PING is replaced after PONG_TIMEOUT', async () => {
    const t = await openStore()
    await vi.advanceTimersByTimeAsync(9_999)
    expect(t.connection().status).toBe('open')
    await vi.advanceTimersByTimeAsync(1)
    expect(t.connection()).toMatchObject({ status: 'reconnecting', lastClose: { code: 4000 } })
  })

  it('closes a silent (half-open) socket after the pong timeout and reconnects', async () => {
    const t = await openStore()
    const socket = FakeWebSocket.last
    answerPings(socket)
    // Detected no later than HEARTBEAT_INTERVAL + PONG_TIMEOUT after the server fell silent.
    await vi.advanceTimersByTimeAsync(30_000 + 9_999)
    expect(t.connection().status).toBe('open')
    await vi.advanceTimersByTimeAsync(1)
    expect(socket.terminated).toBe(true)
    expect(t.connection()).toMatchObject({
      status: 'reconnecting',
      lastClose: { code: 4000, wasClean: false },
    })
    expect(t.connection().lastClose!.reason).toContain('websocket.PONG_TIMEOUT')
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeWebSocket.instances).toHaveLength(2)
    // A late frame from the dead socket is ignored.
    socket.deliver({ type: 'LATE' })
    expect(t.types()).not.toContain('realtime/connection/messageReceived')
  })

  it('uses the configured interval and timeout, and 0 turns the heartbeat off', async () => {
    const t = await openStore({ config: { websocket: { HEARTBEAT_INTERVAL: 1000, PONG_TIMEOUT: 200 } } })
    answerPings(FakeWebSocket.last)
    await vi.advanceTimersByTimeAsync(1199)
    expect(t.connection().status).toBe('open')
    await vi.advanceTimersByTimeAsync(1)
    expect(t.connection().status).toBe('reconnecting')

    FakeWebSocket.reset()
    const off = await openStore({ config: { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } } })
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(pings(FakeWebSocket.last)).toHaveLength(0)
    expect(off.connection().status).toBe('open')
  })

  it('a wall-clock jump (wake from sleep) triggers an immediate PING', async () => {
    const t = await openStore()
    const socket = FakeWebSocket.last
    answerPings(socket)
    await vi.advanceTimersByTimeAsync(4000)
    // The machine slept for an hour: Date.now() jumps, timers did not run.
    vi.setSystemTime(Date.now() + 60 * 60_000)
    await vi.advanceTimersByTimeAsync(1000)
    expect(pings(socket)).toHaveLength(2)
    expect(t.seen.find((a) => a.type === 'realtime/connection/livenessCheck')).toMatchObject({
      payload: { reason: 'wake' },
    })
    // Still dead after the pong timeout: replaced, long before the next regular heartbeat.
    await vi.advanceTimersByTimeAsync(10_000)
    expect(t.connection().status).toBe('reconnecting')
  })

  it('becoming visible or coming online checks liveness at once; going offline does not PING', async () => {
    const t = await openStore()
    const socket = FakeWebSocket.last
    answerPings(socket)
    t.store.dispatch(t.realtime.actions.visibilityChanged({ visible: true }))
    expect(pings(socket)).toHaveLength(2)
    answerPings(socket)
    await endOfTurn()
    t.store.dispatch(t.realtime.actions.online())
    expect(pings(socket)).toHaveLength(3)
    answerPings(socket)
    await endOfTurn()
    // Going offline gives the socket up instead (see reconnect.test.ts): no PING into it.
    t.store.dispatch(t.realtime.actions.offline())
    expect(pings(socket)).toHaveLength(3)
    expect(socket.closedByClient).toMatchObject({ code: 4002 })
  })

  it('a PONG for a PING held past a newer PING is ignored: latency comes from the newer one', async () => {
    const t = await openStore()
    const socket = FakeWebSocket.last
    const held = pings(socket)[0]!
    await vi.advanceTimersByTimeAsync(3000)
    // The network came back: a fresh PING goes out although the first is still unanswered.
    t.store.dispatch(t.realtime.actions.visibilityChanged({ visible: true }))
    expect(pings(socket)).toHaveLength(2)
    const newer = pings(socket)[1]!
    expect(newer.data.ts).toBe(held.data.ts + 3000)
    await vi.advanceTimersByTimeAsync(2000)
    // The held PING is answered late: it measured the outage (5 s), not the link.
    socket.deliver({ type: 'PONG', data: held.data })
    await endOfTurn()
    expect(t.connection().latencyMs).toBeNull()
    expect(t.types()).not.toContain('realtime/connection/pongReceived')
    await vi.advanceTimersByTimeAsync(4)
    socket.deliver({ type: 'PONG', data: newer.data })
    expect(t.connection().latencyMs).toBe(2004)
    // A duplicate answer does not count twice (it would read 2104).
    await vi.advanceTimersByTimeAsync(100)
    socket.deliver({ type: 'PONG', data: newer.data })
    await endOfTurn()
    expect(t.connection().latencyMs).toBe(2004)
    expect(t.types().filter((type) => type === 'realtime/connection/pongReceived')).toHaveLength(1)
    // The answer restarts the interval as usual.
    await vi.advanceTimersByTimeAsync(30_000)
    expect(pings(socket)).toHaveLength(3)
    expect(t.connection().status).toBe('open')
  })

  it('a fresh PING while one waits keeps the first deadline, and an old PONG does not keep the socket alive', async () => {
    const t = await openStore()
    const socket = FakeWebSocket.last
    const held = pings(socket)[0]!
    await vi.advanceTimersByTimeAsync(9000)
    t.store.dispatch(t.realtime.actions.livenessCheck({ reason: 'test' }))
    expect(pings(socket)).toHaveLength(2)
    socket.deliver({ type: 'PONG', data: held.data })
    await vi.advanceTimersByTimeAsync(999)
    expect(t.connection().status).toBe('open')
    await vi.advanceTimersByTimeAsync(1)
    expect(t.connection()).toMatchObject({ status: 'reconnecting', lastClose: { code: 4000 }, latencyMs: null })
  })

  it('after a reconnect, a PONG echoing a PING of the old socket is ignored', async () => {
    const t = await openStore()
    const first = FakeWebSocket.last
    const old = pings(first)[0]!
    await vi.advanceTimersByTimeAsync(50)
    first.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    const second = FakeWebSocket.last
    expect(second).not.toBe(first)
    await vi.advanceTimersByTimeAsync(10)
    second.acceptOpen()
    const current = pings(second)[0]!
    expect(current.data.ts).toBeGreaterThan(old.data.ts)
    await vi.advanceTimersByTimeAsync(3)
    // A server that queued the old PING answers it on the new socket: it says nothing about this link.
    second.deliver({ type: 'PONG', data: old.data })
    // Nor does a PONG without a timestamp.
    second.deliver({ type: 'PONG', data: {} })
    await endOfTurn()
    expect(t.connection().latencyMs).toBeNull()
    await vi.advanceTimersByTimeAsync(4)
    second.deliver({ type: 'PONG', data: current.data })
    expect(t.connection().latencyMs).toBe(7)
  })

  it('answers a server PING with a PONG echoing its data', async () => {
    await openStore()
    const socket = FakeWebSocket.last
    socket.deliver({ type: 'PING', id: 'p1', data: { ts: 123 } })
    expect(socket.allSentMessages.at(-1)).toEqual({ type: 'PONG', replyTo: 'p1', data: { ts: 123 } })
  })
})
