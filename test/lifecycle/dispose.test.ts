import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { memoryStorage, type EnvironmentHandlers } from '../../src'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

// Teardown as a test suite does it in afterEach: what keeps running after `disconnect()`, and that
// `dispose()` leaves no timer, no socket and no listener behind, for good.

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => {
  vi.useRealTimers()
})

const storage = memoryStorage()

/** A busy store: open, an op on the wire, a request waiting, a collection polled over `load`, an outbox, environment listeners. */
async function busyStore() {
  const environment = { unsubscribed: 0, handlers: undefined as EnvironmentHandlers | undefined }
  const t = createWidgetStore({
    storage,
    outbox: { namespace: `user-${Math.random()}` },
    collections: { widgets: { updates: ['WIDGET_UPDATE'] }, alerts: { load: async () => [] } },
    environmentListeners: (handlers) => {
      environment.handlers = handlers
      return () => void environment.unsubscribed++
    },
  })
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  await vi.advanceTimersByTimeAsync(0)
  t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 3 }))
  const reply = t.store.dispatch(t.realtime.request('ECHO', { n: 1 }))
  await vi.advanceTimersByTimeAsync(0)
  return { ...t, socket, reply, environment }
}

describe('teardown', () => {
  it('disconnect() closes the socket, but timers of the store still run (a load poll)', async () => {
    const t = await busyStore()
    void t.reply.catch(() => {})
    t.store.dispatch(t.realtime.actions.disconnect())
    await vi.advanceTimersByTimeAsync(0)
    expect(t.socket.closedByClient).toMatchObject({ code: 1000 })
    expect(vi.getTimerCount()).toBeGreaterThan(0)
    t.store.dispatch(t.realtime.actions.dispose())
    expect(vi.getTimerCount()).toBe(0)
  })

  it('dispose() closes the socket, fails waiting requests, and leaves no timer and no listener', async () => {
    const t = await busyStore()
    expect(vi.getTimerCount()).toBeGreaterThan(0)

    t.store.dispatch(t.realtime.actions.dispose())
    expect(vi.getTimerCount()).toBe(0)
    expect(t.socket.closedByClient).toMatchObject({ code: 1000 })
    expect(t.connection().status).toBe('closed')
    await expect(t.reply).rejects.toMatchObject({ name: 'DisposedError', code: 'DISPOSED' })
    expect(t.connection().requests).toEqual({})
    expect(t.environment.unsubscribed).toBe(1)
    // Plain actions, visible in DevTools: what happened, in order.
    const types = t.types()
    // The requests fail first (as DISPOSED: after the disconnect they would fail as DISCONNECTED).
    const disposal = types.slice(types.indexOf('realtime/dispose'))
    const disconnectAt = disposal.indexOf('realtime/connection/disconnect')
    expect(disposal.slice(0, 2)).toEqual(['realtime/dispose', 'realtime/connection/requestFailed'])
    expect(disposal.slice(disconnectAt, disconnectAt + 2)).toEqual(['realtime/connection/disconnect', 'realtime/connection/closed'])
    expect(disposal.slice(0, disconnectAt).filter((type) => type.startsWith('realtime/connection/'))).toEqual(
      disposal.slice(0, disconnectAt).filter((type) => type === 'realtime/connection/requestFailed'),
    )
  })

  it('after dispose() nothing starts again: connect, online, sends, mutations, requests, refresh', async () => {
    const t = await busyStore()
    void t.reply.catch(() => {})
    t.store.dispatch(t.realtime.actions.dispose())
    const written = (await storage.getAll(t.store.getState().realtime.outbox.namespace!)).length

    t.store.dispatch(t.realtime.actions.connect())
    t.environment.handlers!.online()
    t.store.dispatch(t.realtime.actions.online())
    t.store.dispatch(t.realtime.actions.send('HELLO'))
    t.store.dispatch(t.realtime.actions.refresh())
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 5 }))
    await expect(t.store.dispatch(t.realtime.request('ECHO'))).rejects.toMatchObject({ code: 'DISPOSED' })
    t.store.dispatch(t.realtime.actions.dispose()) // twice is harmless
    await vi.advanceTimersByTimeAsync(10 * 60_000)

    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
    expect(t.connection().status).toBe('closed')
    // The outbox effects stopped listening: the op made after dispose was not written.
    expect(await storage.getAll(t.store.getState().realtime.outbox.namespace!)).toHaveLength(written)
  })

  it('dispose() right after the store is made: nothing ever starts', async () => {
    const t = createWidgetStore()
    t.store.dispatch(t.realtime.actions.dispose())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeWebSocket.instances).toHaveLength(0)
    expect(vi.getTimerCount()).toBe(0)
    expect(t.connection().status).toBe('idle')
  })
})
