/**
 * Found by test/outbox/properties/reload.property.test.ts (Web Locks, RELOAD_BUGS=locks).
 *
 * With Web Locks (every browser: `outbox.locks` defaults to `navigator.locks`) a reload's new page
 * has a new owner id, so the records of the page it replaces are "foreign". `isGone`
 * (src/outbox/outboxEffects.ts) answers false for EVERY foreign owner when locks exist (it never
 * asks the lock manager), so `openOutbox` dispatches `outboxRehydrated` without them (status
 * `ready`: sending starts) and takes them over later, through `whenGone` → `adopt`, a second read.
 * Meanwhile (one more storage read: IndexedDB is asynchronous) the page is `ready`, and:
 * 1. an op made then is sent BEFORE the older op of the same key (README "On start": "Nothing is
 *    sent until then (`outbox.status` `rehydrating`), so older ops go out first; ops made meanwhile
 *    queue behind them"; DESIGN invariant 5: ops on one key are sent in creation order);
 * 2. its record's `order` starts again at 0 (`nextOrder` was not raised by a read that found no
 *    own record), colliding with the adopted ops' orders;
 * 3. each gone owner is adopted by its own `outboxRehydrated`, whose ops go IN FRONT of the lanes
 *    (src/optimistic/rehydrateOps.ts): with records of two gone owners (a page that died before it
 *    finished adopting), the owner adopted last jumps ahead, whatever `order` says.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import type { LockManagerLike } from '../../../src/outbox/ownerLocks'
import { memoryStorage } from '../../../src/outbox/storage/memoryStorage'
import type { OutboxStorage } from '../../../src/outbox/storage/OutboxStorage'
import { endOfTurn, FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore } from '../../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
  // One page lives at a time here; Node's real BroadcastChannel would run on the real event loop.
  vi.stubGlobal('BroadcastChannel', class { onmessage = null; postMessage() {} close() {} })
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

const READ_MS = 100

/** Web Locks: a page holds the lock named after itself until `close()`; others get it after that. */
function browser() {
  const inner = memoryStorage()
  const holders = new Map<string, Promise<void>>()
  let ids = 0
  const open = async () => {
    let close!: () => void
    const gone = new Promise<void>((resolve) => (close = resolve))
    let alive = true
    // Reads take READ_MS, like IndexedDB's (writes stay synchronous); a page that is gone does nothing more.
    const storage: OutboxStorage = {
      name: 'slow',
      getAll: (ns) => new Promise((resolve) => setTimeout(() => alive && resolve(inner.getAll(ns)), READ_MS)),
      set: (ns, key, value) => void (alive && inner.set(ns, key, value)),
      delete: (ns, key) => void (alive && inner.delete(ns, key)),
      clear: (ns) => void (alive && inner.clear(ns)),
    }
    const locks: LockManagerLike = {
      request(name: string, a: unknown, b?: unknown) {
        const callback = (typeof a === 'function' ? a : b) as (lock: unknown) => unknown
        const holder = holders.get(name)
        if (!holder) {
          holders.set(name, gone)
          void Promise.resolve().then(() => callback({ name }))
          return gone
        }
        return holder.then(() => callback({ name }))
      },
    }
    const t = createWidgetStore({
      storage, outbox: { locks }, generateId: () => `id${++ids}`,
      config: { updates: { BATCH_MODE: 'off' }, websocket: { HEARTBEAT_INTERVAL: 0 } },
    } as Parameters<typeof createWidgetStore>[0])
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.instances.at(-1)!
    const sent = () => socket.sentMessages.filter((m) => m.type === 'WIDGET_UPDATE').map((m) => m.id)
    // The page goes away: its store is dropped, its lock released.
    const leave = () => {
      socket.onclose = socket.onmessage = null
      alive = false
      close()
    }
    return { ...t, socket, sent, leave }
  }
  return { inner, open }
}

it('after a reload the previous page\'s ops are back before the outbox is ready: older ops of a key go out first', async () => {
  const { open } = browser()
  const first = await open()
  await vi.advanceTimersByTimeAsync(READ_MS)
  first.store.dispatch(first.realtime.actions.pause())
  const older = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 1 })).payload.opId
  first.leave()

  const second = await open()
  second.socket.acceptOpen()
  await vi.advanceTimersByTimeAsync(READ_MS) // its outbox is read
  expect(second.store.getState().realtime.outbox.status).toBe('ready')
  expect(second.ops().map((op) => op.opId)).toEqual([older]) // got []: taken over only after one more read
  const newer = second.store.dispatch(second.realtime.actions.updateWidget({ id: 'w-1', value: 2 })).payload.opId
  await vi.advanceTimersByTimeAsync(READ_MS)
  await endOfTurn()
  expect(second.sent()).toEqual([older]) // got [newer, older]: the server ends with value 1
  expect(second.ops().map((op) => op.opId)).toEqual([older, newer])
})

it('ops taken over from two gone pages come back in the order they were made', async () => {
  const { open } = browser()
  const first = await open()
  await vi.advanceTimersByTimeAsync(READ_MS)
  first.store.dispatch(first.realtime.actions.pause())
  const older = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 1 })).payload.opId
  first.leave()

  // The second page is left again before it took the first one's op over.
  const second = await open()
  second.store.dispatch(second.realtime.actions.pause())
  await vi.advanceTimersByTimeAsync(READ_MS)
  const newer = second.store.dispatch(second.realtime.actions.updateWidget({ id: 'w-1', value: 2 })).payload.opId
  second.leave()

  const third = await open()
  third.store.dispatch(third.realtime.actions.pause())
  await vi.advanceTimersByTimeAsync(3 * READ_MS)
  expect(third.ops().map((op) => op.opId)).toEqual([older, newer]) // got [newer, older]
})
