import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

/**
 * BATCH_MODE through the real path: FakeWebSocket frames -> codec -> inbox -> batcher ->
 * `entitiesUpdated` -> reducer, with a store subscriber counting notifications (one per flush).
 */

const BATCHED = 'realtime/collections/entitiesUpdated'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

async function open(updates: Record<string, unknown> = {}) {
  const t = createWidgetStore({ sync: false, config: { updates, websocket: { HEARTBEAT_INTERVAL: 0 } } } as never)
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  await vi.advanceTimersByTimeAsync(0)
  let notifications = 0
  t.store.subscribe(() => {
    notifications++
  })
  const batches = () => t.seen.filter((a) => a.type === BATCHED) as unknown as { payload: { received: number; updates: unknown[] } }[]
  let version = 0
  /** Delivers `n` updates over `keys` keys in one turn of the event loop (one socket read). */
  const read = async (n: number, keys = n) => {
    for (let i = 0; i < n; i++) socket.deliver({ type: 'WIDGET_UPDATE', data: { id: `w-${i % keys}`, value: i, version: ++version } })
    await endOfTurn()
  }
  return { ...t, socket, read, batches, notifications: () => notifications }
}

describe('BATCH_MODE through the real path', () => {
  it("default ('auto'): a lone update is applied on the next macrotask, one notification", async () => {
    const t = await open()
    await t.read(1)
    expect(t.view('w-0')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(0)
    expect(t.view('w-0')).toEqual({ id: 'w-0', value: 0 })
    expect(t.batches()).toHaveLength(1)
    expect(t.notifications()).toBe(1)
  })

  it("default ('auto'): a read of 60 frames is one leading flush; the next read waits for the 200 ms window; back to leading after a small window", async () => {
    const t = await open()
    await t.read(60, 30)
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches().map((b) => [b.payload.received, b.payload.updates.length])).toEqual([[60, 30]])
    expect(t.notifications()).toBe(1)

    // Busy: three more reads within the window are one flush, 200 ms after the first of them.
    await vi.advanceTimersByTimeAsync(1)
    for (let r = 0; r < 3; r++) {
      await t.read(40)
      await vi.advanceTimersByTimeAsync(50)
    }
    expect(t.batches()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(50)
    expect(t.batches().map((b) => b.payload.received)).toEqual([60, 120])
    expect(t.notifications()).toBe(2)

    // A window of fewer than BATCH_SIZE (50) updates returns to leading flushes.
    await t.read(10)
    await vi.advanceTimersByTimeAsync(200)
    await t.read(1)
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches().map((b) => b.payload.received)).toEqual([60, 120, 10, 1])
    expect(t.notifications()).toBe(4)
  })

  it("'window' keeps size-or-delay: 120 frames are flushed at 50, 50, then 200 ms later the last 20", async () => {
    const t = await open({ BATCH_MODE: 'window' })
    await t.read(120)
    expect(t.batches().map((b) => b.payload.received)).toEqual([50, 50])
    await vi.advanceTimersByTimeAsync(199)
    expect(t.batches()).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.batches().map((b) => b.payload.received)).toEqual([50, 50, 20])
    expect(t.notifications()).toBe(3)
  })

  it("'raf': 10,000 frames in one frame are one flush and one notification (BATCH_SIZE ignored)", async () => {
    const t = await open({ BATCH_MODE: 'raf' })
    await t.read(10_000, 1000)
    expect(t.batches()).toHaveLength(0)
    // A fake animation frame, or the 16 ms timer that stands in for one: either has run by now.
    await vi.advanceTimersByTimeAsync(16)
    expect(t.batches().map((b) => [b.payload.received, b.payload.updates.length])).toEqual([[10_000, 1000]])
    expect(t.notifications()).toBe(1)
    expect(t.view('w-999')).toEqual({ id: 'w-999', value: 9999 })
  })
})
