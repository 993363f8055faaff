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

describe('reconnect schedule', () => {
  it('reconnects with exponential backoff and gives up after RECONNECT_ATTEMPTS', async () => {
    const t = await openStore()
    expect(t.connection().status).toBe('open')
    FakeWebSocket.last.serverClose(1006, 'gone')
    expect(t.connection()).toMatchObject({ status: 'reconnecting', attempt: 1, lastClose: { code: 1006, reason: 'gone', wasClean: false } })

    const startedAt: number[] = []
    for (const expected of [1000, 2000, 4000, 8000, 16_000]) {
      const sockets = FakeWebSocket.instances.length
      const before = Date.now()
      await vi.advanceTimersByTimeAsync(expected - 1)
      expect(FakeWebSocket.instances.length, `no attempt before ${expected} ms`).toBe(sockets)
      await vi.advanceTimersByTimeAsync(1)
      expect(FakeWebSocket.instances.length, `attempt after ${expected} ms`).toBe(sockets + 1)
      startedAt.push(Date.now() - before)
      FakeWebSocket.last.serverClose(1006)
    }
    expect(startedAt).toEqual([1000, 2000, 4000, 8000, 16_000])
    expect(t.connection()).toMatchObject({ status: 'failed', attempt: 5, nextRetryAt: null })
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(FakeWebSocket.instances).toHaveLength(6)

    // connect() after `failed` starts again at once, and a success resets the series.
    t.store.dispatch(t.realtime.actions.connect())
    expect(FakeWebSocket.instances).toHaveLength(7)
    FakeWebSocket.last.acceptOpen()
    expect(t.connection()).toMatchObject({ status: 'open', attempt: 0 })
    FakeWebSocket.last.serverClose(1011)
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeWebSocket.instances).toHaveLength(8)
  })

  it('moves with synchronous fake timers too (the saga resumes inside the timer callback)', async () => {
    const t = await openStore()
    FakeWebSocket.last.serverClose(1006)
    vi.advanceTimersByTime(999)
    expect(FakeWebSocket.instances).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeWebSocket.instances).toHaveLength(2)
    FakeWebSocket.last.acceptOpen()
    vi.advanceTimersByTime(10_000)
    expect(t.connection()).toMatchObject({ status: 'reconnecting', lastClose: { code: 4000 } })
  })

  it('records the next retry time and the attempt in state', async () => {
    const t = await openStore()
    const now = Date.now()
    FakeWebSocket.last.serverClose(1006)
    expect(t.connection().nextRetryAt).toBe(now + 1000)
    expect(t.seen.some((a) => a.type === 'realtime/connection/reconnectScheduled')).toBe(true)
  })

  it('retries from `failed` when the environment comes back online', async () => {
    const t = await openStore({ config: { websocket: { RECONNECT_ATTEMPTS: 0 } } })
    FakeWebSocket.last.serverClose(1006)
    expect(t.connection().status).toBe('failed')
    t.store.dispatch(t.realtime.actions.online())
    expect(FakeWebSocket.instances).toHaveLength(2)
  })

  it('a clean close by the user never reconnects', async () => {
    const t = await openStore()
    const socket = FakeWebSocket.last
    t.store.dispatch(t.realtime.actions.disconnect())
    expect(socket.closedByClient).toEqual({ code: 1000, reason: 'closed by client' })
    expect(t.connection()).toMatchObject({ status: 'closed', lastClose: { code: 1000, wasClean: true } })
    await vi.advanceTimersByTimeAsync(5 * 60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    t.store.dispatch(t.realtime.actions.connect())
    expect(FakeWebSocket.instances).toHaveLength(2)
  })

  it('disconnect during the backoff wait cancels the pending attempt', async () => {
    const t = await openStore()
    FakeWebSocket.last.serverClose(1006)
    t.store.dispatch(t.realtime.actions.disconnect())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(t.connection().status).toBe('closed')
  })

  it('a socket that does not open within CONNECT_TIMEOUT counts as a failed attempt', async () => {
    const t = createTestStore({ config: { websocket: { CONNECT_TIMEOUT: 5000 } } })
    await vi.advanceTimersByTimeAsync(0)
    const first = FakeWebSocket.last
    await vi.advanceTimersByTimeAsync(4999)
    expect(t.connection().status).toBe('connecting')
    await vi.advanceTimersByTimeAsync(1)
    expect(first.terminated).toBe(true)
    expect(t.connection().lastError).toMatchObject({ code: 'CONNECT_TIMEOUT' })
    expect(t.connection().lastError!.message).toContain('websocket.CONNECT_TIMEOUT')
    expect(t.connection()).toMatchObject({ status: 'reconnecting', attempt: 1 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeWebSocket.instances).toHaveLength(2)
    // Events from the abandoned socket no longer reach the store.
    first.acceptOpen()
    expect(t.connection().status).toBe('reconnecting')
  })

  it('calls a url function before every attempt, sync or async', async () => {
    let n = 0
    const url = vi.fn(async () => `ws://127.0.0.1:1/ws?token=t${++n}`)
    const t = createTestStore({ url })
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.last.url).toBe('ws://127.0.0.1:1/ws?token=t1')
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeWebSocket.last.url).toBe('ws://127.0.0.1:1/ws?token=t2')
    expect(url).toHaveBeenCalledTimes(2)
    expect(t.connection().status).toBe('reconnecting')
  })

  it('a url function that throws or returns a non-ws URL is a failed attempt with a readable error', async () => {
    const results: Array<() => string> = [
      () => {
        throw new Error('token service down')
      },
      () => 'http://example.test/ws',
      () => 'ws://127.0.0.1:1/ws',
    ]
    const t = createTestStore({ url: () => results.shift()!() })
    await vi.advanceTimersByTimeAsync(0)
    expect(t.connection().lastError?.message).toMatch(/url option threw: token service down/)
    await vi.advanceTimersByTimeAsync(1000)
    expect(t.connection().lastError?.message).toMatch(/ws:\/\/ or wss:\/\/ URL, got "http:\/\/example.test\/ws"/)
    expect(FakeWebSocket.instances).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(2000)
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('waits for connect() when AUTO_CONNECT is off', async () => {
    const t = createTestStore({ config: { websocket: { AUTO_CONNECT: false } } })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeWebSocket.instances).toHaveLength(0)
    expect(t.connection().status).toBe('idle')
    t.store.dispatch(t.realtime.actions.connect())
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('opens no socket when ENABLE_WEBSOCKET is off', async () => {
    const t = createTestStore({ config: { features: { ENABLE_WEBSOCKET: false } } })
    t.store.dispatch(t.realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeWebSocket.instances).toHaveLength(0)
    expect(t.realtime.isFeatureEnabled('ENABLE_WEBSOCKET')).toBe(false)
  })

  it('without any WebSocket implementation it stays idle, with an error naming the option in lastError', async () => {
    const original = (globalThis as { WebSocket?: unknown }).WebSocket
    delete (globalThis as { WebSocket?: unknown }).WebSocket
    try {
      const { createRealtime } = await import('../../src')
      const { configureStore } = await import('@reduxjs/toolkit')
      const { silentLogger } = await import('../../src/world/logger')
      const realtime = createRealtime({ environmentListeners: false, logger: silentLogger })
      const store = configureStore({ reducer: { realtime: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
      await vi.advanceTimersByTimeAsync(0)
      const connection = realtime.selectors.selectConnection(store.getState())
      expect(connection.status).toBe('idle')
      expect(connection.lastError).toMatchObject({ code: 'NO_WEBSOCKET' })
      expect(connection.lastError!.message).toContain('createRealtime({ WebSocket })')
    } finally {
      if (original !== undefined) (globalThis as { WebSocket?: unknown }).WebSocket = original
    }
  })
})

describe('environment', () => {
  it('pauses reconnecting while offline and retries at once when back online', async () => {
    const t = await openStore()
    t.store.dispatch(t.realtime.actions.offline())
    FakeWebSocket.last.serverClose(1006)
    expect(t.connection().status).toBe('offline')
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    t.store.dispatch(t.realtime.actions.online())
    expect(FakeWebSocket.instances).toHaveLength(2)
    expect(t.connection().status).toBe('connecting')
  })

  it('an installer turns environment events into actions, and can be replaced', async () => {
    let handlers: import('../../src').EnvironmentHandlers | undefined
    const uninstall = vi.fn()
    const t = createTestStore({
      environmentListeners: (h) => {
        handlers = h
        return uninstall
      },
    })
    await vi.advanceTimersByTimeAsync(0)
    handlers!.offline()
    expect(t.connection().online).toBe(false)
    handlers!.visibilityChanged(false)
    expect(t.connection().visible).toBe(false)
    handlers!.online()
    expect(t.connection().online).toBe(true)
    expect(t.types()).toEqual(
      expect.arrayContaining(['realtime/connection/offline', 'realtime/connection/visibilityChanged', 'realtime/connection/online']),
    )
  })
})
