/**
 * Found by test/outbox/properties/reload.property.test.ts (RELOAD_BUGS=debounce).
 *
 * README "Outbound batching, your own transport, debounce": "An op still in its window is being
 * made, not sent: a remote change to its entity meanwhile is no conflict (the op moves to the new
 * version and its effect stays on top)". It moves only when it is the lane's only op: when other
 * ops of the key DO conflict, `resolveConflict` (src/optimistic/applyEntityUpdate.ts) writes the
 * strategy's lane, and the strategies (src/optimistic/conflictStrategies.ts) leave non-contenders
 * as they are: the debounced op keeps its old `baseVersion`, and its persisted record keeps the old
 * `base`. In memory the view is right; across a reload it is not: the next page shows the op on the
 * old value, and the server's current version (which this page had already accepted without a
 * conflict for the op) becomes a conflict that rolls the op back.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { memoryStorage } from '../../../src/outbox/storage/memoryStorage'
import type { OutboxStorage } from '../../../src/outbox/storage/OutboxStorage'
import { endOfTurn, FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore, widgetOptions, type Widget } from '../../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const NS = 'realtime:default'
const mutations = {
  ...widgetOptions.mutations,
  slideValue: { collection: 'widgets', message: 'WIDGET_UPDATE', debounce: 100, apply: (w: Widget | null, a: { id: string; value: number }) => void (w && (w.value = a.value)) },
}
async function page(storage: OutboxStorage) {
  const t = createWidgetStore({ storage, outbox: { locks: false }, mutations, config: { updates: { BATCH_MODE: 'off' }, websocket: { HEARTBEAT_INTERVAL: 0 } } } as Parameters<typeof createWidgetStore>[0])
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.instances.at(-1)!
  const slide = (value: number) => t.store.dispatch((t.realtime.actions as unknown as Record<string, (a: object) => { type: string; payload: { opId: string } }>).slideValue!({ id: 'w-1', value }))
  return { ...t, socket, slide }
}

it('a debounced op in its window moves to the new version also when other ops of its key conflict', async () => {
  const storage = memoryStorage()
  const first = await page(storage)
  first.socket.acceptOpen()
  first.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'cpu', value: 1, version: 1 } })
  await endOfTurn()
  const slid = first.slide(5).payload.opId
  first.store.dispatch(first.realtime.actions.renameWidget({ id: 'w-1', title: 'mine' }))
  // Another user renames it (v2) while the slider op waits for its window: the rename conflicts
  // (REMOTE_WINS: rolled back), the slider op does not.
  first.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 1, version: 2 } })
  await endOfTurn()
  expect(first.ops().map((op) => op.opId)).toEqual([slid])
  expect(first.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 5 })
  expect(first.ops()[0]).toMatchObject({ baseVersion: 2 }) // got 1
  const [record] = storage.getAll(NS) as Array<{ value: string }>
  expect(JSON.parse(record!.value)).toMatchObject({ op: { baseVersion: 2 }, base: { version: 2 } })

  // The page is reloaded before the window ends; the next one shows the same and keeps the op.
  first.store.dispatch(first.realtime.actions.pause())
  FakeWebSocket.reset()
  const second = await page(storage)
  expect(second.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 5 })
  second.socket.acceptOpen()
  second.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 1, version: 2 } })
  await endOfTurn()
  expect(second.store.getState().realtime.optimistic.rollbacks).toEqual([])
})
