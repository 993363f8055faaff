/**
 * Found by test/outbox/properties/reload.property.test.ts (RELOAD_BUGS=base).
 *
 * README "The persisted outbox": a record carries "the confirmed entity it stood on, so a reload
 * shows the same view before the server answers". The base is written only when the op's own
 * record is (src/outbox/outboxEffects.ts: `recordOf` → `baseOf`, from the lanes diff), so when the
 * confirmed entity moves under a pending op without changing that op, the stored base goes stale.
 * Here op B was moved to version 3 when op A was ACKed without a value at v3 (README "Confirmed":
 * A becomes `acked`), so B's record was written then, on v1; when the updates up to v3 arrive,
 * `confirmed` becomes v3 (with A's effect) but B does not change, and its record keeps v1. After a
 * reload (acked ops are not stored) the page shows B on v1: A's effect is gone until the server
 * answers.
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

const page = (storage: OutboxStorage, autoConnect: boolean) =>
  createWidgetStore({ storage, outbox: { locks: false }, config: { updates: { BATCH_MODE: 'off' }, websocket: { AUTO_CONNECT: autoConnect, HEARTBEAT_INTERVAL: 0 } } } as Parameters<typeof createWidgetStore>[0])

it('a reload shows the same view when the confirmed entity moved under a pending op', async () => {
  const storage = memoryStorage()
  const first = page(storage, true)
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 1, version: 1 } })
  await endOfTurn()
  const a = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
  first.store.dispatch(first.realtime.actions.renameWidget({ id: 'w-1', title: 'Load' }))
  // Another user changed w-1 (v2), then A was applied (v3); the ACK (no value) comes first.
  socket.deliver({ type: 'ACK', replyTo: a, attempt: 1, data: { key: 'w-1', version: 3 } })
  socket.deliver({ type: 'WIDGET_UPDATE', seq: 2, data: { id: 'w-1', title: 'CPU', value: 2, unit: '%', version: 2 } })
  socket.deliver({ type: 'WIDGET_UPDATE', seq: 3, data: { id: 'w-1', title: 'CPU', value: 10, unit: '%', version: 3, opId: a } })
  await endOfTurn()
  expect(first.record('w-1')).toMatchObject({ version: 3, confirmed: { value: 10, unit: '%' } })
  expect(first.ops().map((op) => [op.mutation, op.status, op.baseVersion])).toEqual([['renameWidget', 'sent', 3]])
  const view = first.view('w-1')
  expect(view).toEqual({ id: 'w-1', title: 'Load', value: 10, unit: '%' })

  socket.onclose = socket.onmessage = null // the page goes away
  const second = page(storage, false)
  await vi.advanceTimersByTimeAsync(0)
  expect(second.view('w-1')).toEqual(view) // got { id: 'w-1', title: 'Load', value: 1 }: the base of v1
})
