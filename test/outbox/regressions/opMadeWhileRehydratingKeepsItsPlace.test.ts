/**
 * Found by test/outbox/properties/reload.property.test.ts (RELOAD_BUGS=order).
 *
 * README "The persisted outbox", On start: "Nothing is sent until then (`outbox.status`
 * `rehydrating`), so older ops go out first; ops made meanwhile queue behind them"; a record's
 * `order` is "its place in the outbox", and a reload sorts by it. An op made while the outbox is
 * read back is numbered from 0 (src/outbox/outboxEffects.ts: `nextOrder` starts at 0 and is only
 * raised past the stored orders when `readBack` finishes), so its `order` equals a stored op's.
 * The lanes of this page are right (read-back ops go in front), but the NEXT reload sorts the tie
 * however storage lists it: here the op made meanwhile jumps ahead of an older op on its key (so
 * it would reach the server first, and the older op's value would win).
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { memoryStorage } from '../../../src/outbox/storage/memoryStorage'
import type { OutboxStorage } from '../../../src/outbox/storage/OutboxStorage'
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore } from '../../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

// Pages whose socket never opens: everything stays queued.
const page = (storage: OutboxStorage) =>
  createWidgetStore({ storage, outbox: { locks: false }, config: { websocket: { AUTO_CONNECT: false } } } as Parameters<typeof createWidgetStore>[0])

it('an op made while the outbox is read back stays behind the older ops of its key across the next reload', async () => {
  const storage = memoryStorage()
  const first = page(storage)
  await vi.advanceTimersByTimeAsync(0)
  const a = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 1 })).payload.opId
  const b = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 2 })).payload.opId

  // Reload; the app makes an op at once, before the outbox is back.
  const second = page(storage)
  const c = second.store.dispatch(second.realtime.actions.updateWidget({ id: 'w-1', value: 3 })).payload.opId
  await vi.advanceTimersByTimeAsync(0)
  expect(second.ops().map((op) => op.opId)).toEqual([a, b, c]) // right on this page

  // Reload again.
  const third = page(storage)
  await vi.advanceTimersByTimeAsync(0)
  expect(third.ops().map((op) => op.opId)).toEqual([a, b, c]) // got [a, c, b]
})
