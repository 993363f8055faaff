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
