/**
 * Found by test/outbox/properties/reload.property.test.ts (flaky storage, RELOAD_SEED=109941775):
 * "the ops of w-1 came back in the order op4, op3; page 1 held them as op3, op4".
 *
 * A record's `order` is its op's place in the outbox; a reload sorts by it. Ops made while the
 * outbox is read back were all numbered again when the read ended (src/outbox/outboxEffects.ts,
 * `younger`: every order handed out is below `nextOrder`, so the test picked every one of them,
 * even when nothing was read or every read op is older), each by a write of its own. When one of
 * those writes failed, storage held the earlier op at its new order and the later op at its old,
 * lower one: the next page replayed them the wrong way round. Renumbering is needed only when an
 * op made meanwhile is numbered at or below an op read back (a clock that went back, a reload in
 * the same millisecond): otherwise an op's order is written once and never changes.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { memoryStorage } from '../../../src/outbox/storage/memoryStorage'
import type { OutboxStorage, StoredEntry } from '../../../src/outbox/storage/OutboxStorage'
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore } from '../../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const NS = 'realtime:default'

/** Storage whose reads take 300 ms (seeing storage as at the call), and whose puts fail every second call once `failing`. */
function scriptedStorage() {
  const inner = memoryStorage()
  let puts = 0
  const script = { failing: false, slowReads: true }
  const storage: OutboxStorage = {
    ...inner,
    name: 'scripted',
    getAll(namespace) {
      const seen = inner.getAll(namespace) as StoredEntry[]
      return script.slowReads ? new Promise((resolve) => setTimeout(() => resolve(seen), 300)) : seen
    },
    set(namespace, key, value) {
      if (script.failing && puts++ % 2 === 1) throw new DOMException(`the quota has been exceeded (set ${key})`, 'QuotaExceededError')
      return inner.set(namespace, key, value)
    },
  }
  return { inner, storage, script }
}

// Pages whose socket never opens: everything stays queued.
const page = (storage: OutboxStorage) =>
  createWidgetStore({ storage, outbox: { locks: false }, config: { websocket: { AUTO_CONNECT: false } } } as Parameters<typeof createWidgetStore>[0])

const ordersOf = (inner: OutboxStorage) =>
  Object.fromEntries((inner.getAll(NS) as StoredEntry[]).map((e) => [e.key, (JSON.parse(e.value) as { order: number }).order]))

it('ops made while the outbox is read back keep their order in storage when writes fail as the read ends', async () => {
  const { inner, storage, script } = scriptedStorage()
  const first = page(storage)
  await vi.advanceTimersByTimeAsync(60)
  expect(first.store.getState().realtime.outbox.status).toBe('rehydrating')
  const a = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 1 })).payload.opId
  const b = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 2 })).payload.opId
  script.failing = true
  await vi.advanceTimersByTimeAsync(1100)
  expect(first.ops().map((op) => op.opId)).toEqual([a, b])
  const stored = ordersOf(inner)
  expect(stored[a]).toBeLessThan(stored[b]!)

  script.slowReads = false
  const second = page(storage)
  await vi.advanceTimersByTimeAsync(0)
  expect(second.ops().map((op) => op.opId)).toEqual([a, b]) // got [b, a]
})

it('an op made while the outbox is read back is numbered again only when it would not come after the ops read', async () => {
  const { inner, storage, script } = scriptedStorage()
  script.slowReads = false
  const first = page(storage)
  await vi.advanceTimersByTimeAsync(0)
  const a = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 1 })).payload.opId
  await vi.advanceTimersByTimeAsync(1000)

  // A later page load: its op made during the read is already numbered after `a`, and keeps that number.
  script.slowReads = true
  const second = page(storage)
  const b = second.store.dispatch(second.realtime.actions.updateWidget({ id: 'w-1', value: 2 })).payload.opId
  const numbered = ordersOf(inner)[b]
  await vi.advanceTimersByTimeAsync(300)
  expect(second.ops().map((op) => op.opId)).toEqual([a, b])
  expect(ordersOf(inner)[b]).toBe(numbered)

  // A page load after the clock went back: its op made during the read collides, and is numbered after the ops read.
  vi.setSystemTime(Date.now() - 5000)
  const third = page(storage)
  const c = third.store.dispatch(third.realtime.actions.updateWidget({ id: 'w-1', value: 3 })).payload.opId
  expect(ordersOf(inner)[c]).toBeLessThanOrEqual(ordersOf(inner)[b]!)
  await vi.advanceTimersByTimeAsync(300)
  expect(third.ops().map((op) => op.opId)).toEqual([a, b, c])
  const orders = ordersOf(inner)
  expect(orders[a]! < orders[b]! && orders[b]! < orders[c]!).toBe(true)
})
