/**
 * Found by test/outbox/properties/reload.property.test.ts (RELOAD_BUGS=base).
 *
 * README "The persisted outbox": a record carries "the confirmed entity it stood on, so a reload
 * shows the same view before the server answers". When a page reads back ops written by an
 * earlier page it writes them again as its own (`readBack` in src/outbox/outboxEffects.ts: "Taken
 * over: from now on written as this page's"), with `base` computed from the state BEFORE the
 * read-back ops and their bases are in it: the entity is not loaded yet, so `baseOf` gives null
 * and the base is lost. The second reload (still offline, or before the server answers) shows
 * null where the first showed the widget.
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

it('a reload of a reload still shows the view before the server answers', async () => {
  const storage = memoryStorage()
  const first = page(storage, true)
  await vi.advanceTimersByTimeAsync(0)
  FakeWebSocket.last.acceptOpen()
  FakeWebSocket.last.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 1, version: 1 } })
  await endOfTurn()
  FakeWebSocket.last.serverClose(1006) // offline from here on
  first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
  const view = first.view('w-1')
  expect(view).toEqual({ id: 'w-1', title: 'CPU', value: 10 })

  const second = page(storage, false)
  await vi.advanceTimersByTimeAsync(0)
  expect(second.view('w-1')).toEqual(view)

  const third = page(storage, false)
  await vi.advanceTimersByTimeAsync(0)
  expect(third.view('w-1')).toEqual(view) // got null: the second page wrote the record again with base: null
})
