/**
 * Found by test/outbox/properties/reload.property.test.ts (flaky storage, RELOAD_BUGS=delete).
 *
 * README "The persisted outbox", Failures are data: "the ops whose write failed are written again
 * once a write succeeds (`storageRecovered`)", and `outbox.lastError` holds "the last storage
 * failure … until a write succeeds again". A failed DELETE (the op was discarded, confirmed or
 * rolled back while storage threw) is never done again: `rewriteUnsaved` (src/outbox/outboxEffects.ts)
 * only re-puts ops still in state and drops the others from `unsaved`. The next successful write
 * clears `lastError`, so the stale record is unreported, and the next page load replays the op:
 * here an op the user discarded is sent (and applied) after a reload.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { memoryStorage } from '../../../src/outbox/storage/memoryStorage'
import type { OutboxStorage } from '../../../src/outbox/storage/OutboxStorage'
import { endOfTurn, FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore } from '../../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const NS = 'realtime:default'

async function page(storage: OutboxStorage) {
  const t = createWidgetStore({ storage, outbox: { locks: false }, config: { updates: { BATCH_MODE: 'off' }, websocket: { HEARTBEAT_INTERVAL: 0 } } } as Parameters<typeof createWidgetStore>[0])
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.instances.at(-1)!
  socket.acceptOpen()
  socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 1, version: 1 } })
  await endOfTurn()
  return { ...t, socket }
}

it('a record whose delete failed is deleted once storage works again (a discarded op is never replayed by the next page)', async () => {
  const inner = memoryStorage()
  let full = false
  const quota = () => {
    if (full) throw new DOMException('the quota has been exceeded', 'QuotaExceededError')
  }
  const storage: OutboxStorage = {
    ...inner,
    name: 'tiny',
    set: (ns, key, value) => (quota(), inner.set(ns, key, value)),
    delete: (ns, key) => (quota(), inner.delete(ns, key)),
  }
  const first = await page(storage)
  first.store.dispatch(first.realtime.actions.pause())
  const discarded = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
  full = true
  first.store.dispatch(first.realtime.actions.discard(discarded))
  expect(first.store.getState().realtime.outbox.lastError).toMatchObject({ code: 'STORAGE_QUOTA' })
  full = false
  // A write succeeds: storage has recovered, and says so.
  const kept = first.store.dispatch(first.realtime.actions.renameWidget({ id: 'w-1', title: 'Load' })).payload.opId
  expect(first.store.getState().realtime.outbox.lastError).toBeNull()

  // Storage is the projection of the lanes again: the discarded op's record is gone.
  expect((inner.getAll(NS) as Array<{ key: string }>).map((e) => e.key)).toEqual([kept])

  // And so the next page does not replay the discarded op.
  FakeWebSocket.reset()
  const second = await page(storage)
  expect(second.ops().map((op) => op.opId)).toEqual([kept])
  expect(second.socket.sentMessages.map((m) => m.id)).not.toContain(discarded)
})
