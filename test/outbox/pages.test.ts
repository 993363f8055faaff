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

/** A page: a store on the shared storage, ops kept queued (AUTO_CONNECT off). */
async function page(storage: OutboxStorage, locks: LockManagerLike | false, ids: string[]) {
  let n = 0
  const t = createWidgetStore({
    storage,
    outbox: { locks },
    generateId: () => ids[n++] ?? `id-${n}`,
    config: { websocket: { AUTO_CONNECT: false } },
  } as Options)
  await vi.advanceTimersByTimeAsync(0)
  return t
}

describe('two pages of one user', () => {
  it('a page does not take over the ops of a live page; it does once that page is gone', async () => {
    const storage = memoryStorage()
    // The fake's holder promise never settles, like a real page's: closing is modelled by a page lock we control.
    const alive = new Map<string, () => void>()
    const locks: LockManagerLike = {
      request(name: string, a: unknown, b?: unknown) {
        const callback = (typeof a === 'function' ? a : b) as (lock: unknown) => unknown
        const owner = name.split(':').at(-1)!
        if (!alive.has(owner)) {
          // First request for an owner: that page takes its own lock and holds it while alive.
          let close!: () => void
          const closed = new Promise<void>((resolve) => (close = resolve))
          alive.set(owner, close)
          void callback({ name })
          return closed
        }
        return waiting(owner).then(() => callback({ name }))
      },
    }
    const gone = new Map<string, Promise<void>>()
    const waiting = (owner: string) => gone.get(owner) ?? Promise.resolve()

    const first = await page(storage, locks, ['page-A'])
    const opA = first.store.dispatch(first.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    // Page A is alive: its lock is held until `closeA`.
    let closeA!: () => void
    gone.set('page-A', new Promise<void>((resolve) => (closeA = resolve)))

    const second = await page(storage, locks, ['page-B'])
    expect(second.ops()).toEqual([])
    closeA()
    await vi.advanceTimersByTimeAsync(0)
    expect(second.ops().map((o) => o.opId)).toEqual([opA])
    // Taken over: the record now names page B.
    const [entry] = storage.getAll('realtime:default') as Array<{ value: string }>
    expect(JSON.parse(entry!.value).owner).toBe('page-B')
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
