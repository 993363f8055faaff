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

describe('socket channel', () => {
  it('drops no frame that arrives while the saga is busy putting (redux-saga’s default buffer holds 10)', async () => {
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
