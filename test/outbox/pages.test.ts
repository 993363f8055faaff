import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LockManagerLike } from '../../src/outbox/ownerLocks'
import { indexedDbStorage } from '../../src/outbox/storage/indexedDbStorage'
import { memoryStorage } from '../../src/outbox/storage/memoryStorage'
import type { OutboxStorage } from '../../src/outbox/storage/OutboxStorage'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

// IndexedDB (fake-indexeddb) schedules with setImmediate: leave that one real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

type Options = Parameters<typeof createWidgetStore>[0]

/**
 * Web Locks in memory, as the browser runs them for pages: a page's own lock is held until the
 * page closes (`closePage`); `ifAvailable` is granted (non-null lock) only when nobody holds it;
 * a plain request waits for the holder to go.
 */
class FakeLocks implements LockManagerLike {
  private holders = new Map<string, () => void>()
  private waiters = new Map<string, Array<() => void>>()
  request(name: string, a: unknown, b?: unknown): Promise<unknown> {
    const options = (typeof a === 'function' ? {} : a) as { ifAvailable?: boolean }
    const callback = (typeof a === 'function' ? a : b) as (lock: unknown) => unknown
    if (this.holders.has(name)) {
      if (options.ifAvailable) return Promise.resolve(callback(null))
      return new Promise((resolve) => (this.waiters.get(name) ?? this.waiters.set(name, []).get(name)!).push(() => resolve(this.grant(name, callback))))
    }
    return this.grant(name, callback)
  }
  private grant(name: string, callback: (lock: unknown) => unknown): Promise<unknown> {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    this.holders.set(name, release)
    const result = Promise.resolve(callback({ name }))
    void Promise.race([result, released]).finally(() => {
      this.holders.delete(name)
      this.waiters.get(name)?.shift()?.()
    })
    return result
  }
  /** The page of `owner` goes away: the browser releases the locks it held. */
  closePage(owner: string) {
    for (const [name, release] of this.holders) if (name.endsWith(`:${owner}`)) release()
  }
  heldNames() {
    return [...this.holders.keys()]
  }
}

/** A page: a store on the shared storage, ops kept queued (AUTO_CONNECT off). */
async function page(storage: OutboxStorage, locks: LockManagerLike | false, ids: string[]) {
  let n = 0
  const t = createWidgetStore({
    storage,
    outbox: { locks },
    generateId: () => ids[n++] ?? `${ids[0] ?? 'page'}-op-${n}`,
    config: { websocket: { AUTO_CONNECT: false } },
  } as Options)
  await vi.advanceTimersByTimeAsync(0)
  return t
}

describe('two pages of one user', () => {
  it('a page does not take over the ops of a live page; it does once that page is gone', async () => {
    const storage = memoryStorage()
    const locks = new FakeLocks()
    const first = await page(storage, locks, ['page-A'])
    const opA = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    expect(locks.heldNames()).toEqual(['rtk-realtime:realtime:default:page-A'])

    const second = await page(storage, locks, ['page-B'])
    expect(second.store.getState().realtime.outbox.status).toBe('ready')
    expect(second.ops()).toEqual([])
    const opB = second.store.dispatch(second.realtime.actions.updateWidget({ id: 'w-2', value: 20 })).payload.opId
    // Page A closes: the browser releases its lock, and page B takes its op over.
    locks.closePage('page-A')
    await vi.advanceTimersByTimeAsync(0)
    expect(second.ops().map((o) => o.opId).sort()).toEqual([opA, opB].sort())
    const owners = (storage.getAll('realtime:default') as Array<{ key: string; value: string }>).map((e) => [e.key, JSON.parse(e.value).owner])
    expect(owners.sort()).toEqual([[opA, 'page-B'], [opB, 'page-B']].sort())
  })

  it('a page that starts after a page is gone takes its ops over at once, before anything is sent', async () => {
    const storage = memoryStorage()
    const locks = new FakeLocks()
    const first = await page(storage, locks, ['page-A'])
    const opA = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    locks.closePage('page-A')
    await vi.advanceTimersByTimeAsync(0) // the browser releases its locks
    const second = await page(storage, locks, ['page-B'])
    const rehydrated = second.seen.filter((a) => a.type === 'realtime/outbox/outboxRehydrated')
    expect(rehydrated).toHaveLength(1)
    expect((rehydrated[0]!.payload as { ops: Array<{ opId: string }> }).ops.map((o) => o.opId)).toEqual([opA])
  })

  it('without Web Locks every stored op belongs to whoever reads it (one page per storage)', async () => {
    const storage = memoryStorage()
    const first = await page(storage, false, ['page-A'])
    const opA = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    const second = await page(storage, false, ['page-B'])
    expect(second.ops().map((o) => o.opId)).toEqual([opA])
  })
})

describe('IndexedDB storage (fake-indexeddb)', () => {
  it('persists ops as they are made and a reload rehydrates them, in order, with their views', async () => {
    const factory = new IDBFactory()
    const first = await page(indexedDbStorage({ indexedDB: factory }), false, [])
    const a = first.store.dispatch(first.realtime.actions.createWidget({ id: 'w-9', value: 5 })).payload.opId
    const b = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-9', value: 6 })).payload.opId
    const c = first.store.dispatch(first.realtime.actions.renameWidget({ id: 'w-9', title: 'T' })).payload.opId
    first.store.dispatch(first.realtime.actions.discard(b))
    // Let IndexedDB commit.
    await vi.waitFor(async () => expect((await indexedDbStorage({ indexedDB: factory }).getAll('realtime:default')).length).toBe(2))
    const second = await page(indexedDbStorage({ indexedDB: factory }), false, [])
    await vi.waitFor(() => expect(second.store.getState().realtime.outbox.status).toBe('ready'))
    expect(second.ops().map((o) => o.opId)).toEqual([a, c])
    expect(second.view('w-9')).toEqual({ id: 'w-9', value: 5, title: 'T' })
  })
})
