import { configureStore } from '@reduxjs/toolkit'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { createRealtime, silentLogger, type WebSocketLike } from 'rtk-realtime'

/** An in-memory socket: the test plays the server. */
class TestSocket implements WebSocketLike {
  static all: TestSocket[] = []
  readyState = 0
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: string }) => void) | null = null
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  sent: Array<{ type: string; id?: string; data?: any }> = []
  constructor(readonly url: string) {
    TestSocket.all.push(this)
  }
  send(text: string) {
    this.sent.push(JSON.parse(text))
  }
  close() {
    this.readyState = 3
  }
  // The server's side:
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
}

const disposers: Array<() => void> = []

function makeStore() {
  const realtime = createRealtime({
    collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
    WebSocket: TestSocket,
    environmentListeners: false, // no window listeners from a test
    logger: silentLogger,
    random: () => 0.5, // backoff jitter, fixed
  })
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (gDM) => gDM().concat(realtime.middleware),
  })
  disposers.push(() => store.dispatch(realtime.actions.dispose()))
  return { realtime, store }
}

beforeEach(() => {
  vi.useFakeTimers()
  TestSocket.all = []
})
afterEach(() => {
  for (const dispose of disposers.splice(0)) dispose()
  expect(vi.getTimerCount()).toBe(0) // nothing of the store is left running
  vi.useRealTimers()
})

it('loads widgets over the socket and applies live updates', async () => {
  const { realtime, store } = makeStore()
  await vi.advanceTimersByTimeAsync(0) // the middleware starts; the socket is made
  const socket = TestSocket.all[0]!
  socket.open()
  await vi.advanceTimersByTimeAsync(0)
  const sync = socket.sent.find((m) => m.type === 'SYNC')!
  socket.receive({ type: 'SYNC', replyTo: sync.id, data: { snapshot: true, seq: 0, messages: [] } })
  socket.receive({ type: 'WIDGET_UPDATE', seq: 1, data: { id: 'w-1', value: 42, version: 1 } })
  await vi.advanceTimersByTimeAsync(realtime.getConfig('updates.BATCH_DELAY'))
  expect(realtime.selectors.selectEntity(store.getState(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 42 })

  store.dispatch(realtime.actions.disconnect())
  await vi.advanceTimersByTimeAsync(60_000)
  expect(TestSocket.all).toHaveLength(1) // no reconnect after a disconnect
})
