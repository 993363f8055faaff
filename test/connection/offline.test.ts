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

// random() = 0.5 puts the jitter in the middle: delays are exactly 1000, 2000, 4000, ...
async function openStore(options: Parameters<typeof createTestStore>[0] = {}) {
  const t = createTestStore(options)
  await vi.advanceTimersByTimeAsync(0)
  FakeWebSocket.last.acceptOpen()
  return t
}

const TEN_MINUTES = 10 * 60_000

describe('offline', () => {
  it('closes an open socket (4002, reason "offline"), shows offline, and reconnects only when online', async () => {
    const t = await openStore()
    const socket = FakeWebSocket.last
    expect(t.connection().status).toBe('open')

    t.store.dispatch(t.realtime.actions.offline())
    expect(socket.closedByClient).toEqual({ code: 4002, reason: expect.stringMatching(/^offline/) })
    const closed = t.seen.find((a) => a.type === 'realtime/connection/closed')
    expect(closed).toMatchObject({ payload: { close: { code: 4002, reason: expect.stringMatching(/^offline/), wasClean: false }, byUser: false } })
    expect(t.connection()).toMatchObject({ status: 'offline', online: false, openedAt: null, lastClose: { code: 4002 } })

    // While offline: no attempt, and sends wait in the buffer.
    t.store.dispatch(t.realtime.actions.send('NOTE', { n: 1 }))
    await vi.advanceTimersByTimeAsync(TEN_MINUTES)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(t.connection()).toMatchObject({ status: 'offline', nextRetryAt: null, buffer: [{ type: 'NOTE', data: { n: 1 } }] })
    expect(socket.sentMessages).toEqual([])

    // Back online: a fresh first attempt at once, not a backoff wait.
    t.store.dispatch(t.realtime.actions.online())
    expect(FakeWebSocket.instances).toHaveLength(2)
    expect(t.connection()).toMatchObject({ status: 'connecting', attempt: 0 })
    FakeWebSocket.last.acceptOpen()
    expect(t.connection().status).toBe('open')
    expect(FakeWebSocket.last.sentMessages).toEqual([{ type: 'NOTE', data: { n: 1 } }])
  })

  it('abandons an attempt whose socket is still opening, and a late open cannot show open', async () => {
    const t = createTestStore()
    await vi.advanceTimersByTimeAsync(0)
    const opening = FakeWebSocket.last
    expect(t.connection().status).toBe('connecting')

    t.store.dispatch(t.realtime.actions.offline())
    expect(opening.closedByClient).toEqual({ code: 4002, reason: expect.stringMatching(/^offline/) })
    expect(t.connection().status).toBe('offline')
    // The handshake completes anyway (localhost): nobody listens to that socket any more.
    opening.acceptOpen()
    expect(t.connection().status).toBe('offline')
    // Not a failed attempt: nothing to report, and no connect timeout follows.
    await vi.advanceTimersByTimeAsync(TEN_MINUTES)
    expect(t.types()).not.toContain('realtime/connection/connectFailed')
    expect(FakeWebSocket.instances).toHaveLength(1)

    t.store.dispatch(t.realtime.actions.online())
    expect(FakeWebSocket.instances).toHaveLength(2)
  })

  it('abandons an attempt still resolving its URL: no socket is made when the URL arrives', async () => {
    let resolveUrl: (url: string) => void = () => {}
    const url = vi.fn(() => new Promise<string>((resolve) => (resolveUrl = resolve)))
    const t = createTestStore({ url })
    await vi.advanceTimersByTimeAsync(0)
    expect(url).toHaveBeenCalledTimes(1)

    t.store.dispatch(t.realtime.actions.offline())
    resolveUrl('ws://localhost:1/ws')
    await vi.advanceTimersByTimeAsync(TEN_MINUTES)
    expect(FakeWebSocket.instances).toHaveLength(0)
    expect(t.connection().status).toBe('offline')

    t.store.dispatch(t.realtime.actions.online())
    expect(url).toHaveBeenCalledTimes(2)
  })

  it('going offline in the middle of a series of failed attempts does not use up the attempts', async () => {
    const t = await openStore()
    FakeWebSocket.last.serverClose(1006)
    // Attempts 1..4 fail after their backoff (1, 2, 4, 8 s).
    for (const delay of [1000, 2000, 4000, 8000]) {
      await vi.advanceTimersByTimeAsync(delay)
      FakeWebSocket.last.serverClose(1006)
    }
    // Attempt 5 is opening when the network goes.
    await vi.advanceTimersByTimeAsync(16_000)
    expect(t.connection()).toMatchObject({ status: 'reconnecting', attempt: 5 })
    t.store.dispatch(t.realtime.actions.offline())
    expect(t.connection().status).toBe('offline')
    expect(t.types()).not.toContain('realtime/connection/gaveUp')

    t.store.dispatch(t.realtime.actions.online())
    expect(t.connection()).toMatchObject({ status: 'connecting', attempt: 0 })
    // A fresh series: the next failure waits 1 s for attempt 1 instead of giving up.
    FakeWebSocket.last.serverClose(1006)
    expect(t.connection()).toMatchObject({ status: 'reconnecting', attempt: 1 })
    expect(t.types()).not.toContain('realtime/connection/gaveUp')
  })

  it('connect() while offline tries anyway, as the user asked', async () => {
    const t = await openStore()
    t.store.dispatch(t.realtime.actions.offline())
    t.store.dispatch(t.realtime.actions.connect())
    expect(FakeWebSocket.instances).toHaveLength(2)
    expect(t.connection().status).toBe('connecting')
  })
})

describe('a store that starts offline', () => {
  it('opens no socket until online() when the environment reports offline at install', async () => {
    const t = createTestStore({ environmentListeners: (handlers) => (handlers.offline(), () => {}) })
    await vi.advanceTimersByTimeAsync(5000)
    expect(FakeWebSocket.instances).toHaveLength(0)
    expect(t.connection()).toMatchObject({ online: false })
    t.store.dispatch(t.realtime.actions.online())
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.instances).toHaveLength(1)
  })
})
