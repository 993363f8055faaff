// @vitest-environment jsdom
import { act, cleanup, render } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useBackgroundSync, useConflicts, useEntity, usePendingOps, useSyncStatus } from '../../src/react'
import { bucketOf } from '../../src/util/buckets'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import type { Widget } from '../support/widgets'
import { advance, setupHooks, snapshot, stopStores } from './support'

// A component re-renders only when what it selects changes: 1,000 entity updates to other entities,
// through the real path (FakeWebSocket frames, the inbound chain with seq tracking, the batcher,
// one entitiesUpdated per batch), render none of the watching components.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  stopStores()
  vi.useRealTimers()
})

const N = 50
const UPDATES = 1_000
const watched = Array.from({ length: N }, (_, i) => `w-${i}`)

/** `count` keys named `<prefix>-<n>` whose bucket (see src/util/buckets.ts) is one a watched key is in. */
function neighbours(prefix: string, count: number): string[] {
  const buckets = new Set(watched.map((key) => bucketOf(key)))
  const found: string[] = []
  for (let n = 0; found.length < count; n += 1) if (buckets.has(bucketOf(`${prefix}-${n}`))) found.push(`${prefix}-${n}`)
  return found
}

describe('render counts', () => {
  it(`${N} useEntity components, useSyncStatus and useBackgroundSync render 0 times for ${UPDATES} updates of other entities`, async () => {
    const t = setupHooks({ config: { updates: { BATCH_MODE: 'window', BATCH_SIZE: 50, BATCH_DELAY: 200 } } })
    // Half the other entities share a bucket with a watched one: the bucket is copied, the watched record is not.
    const others = [...neighbours('n', 100), ...Array.from({ length: 100 }, (_, i) => `o-${i}`)]
    const renders = new Map<string, number>()
    const rendered = (name: string) => renders.set(name, (renders.get(name) ?? 0) + 1)
    const onSync = vi.fn()

    function Tile({ id }: { id: string }) {
      const { data, pending, stale } = useEntity<Widget>('widgets', id)
      rendered(id)
      return <li data-testid={id}>{`${data?.value} ${pending} ${stale}`}</li>
    }
    function StatusBar() {
      const { status, queueSize } = useSyncStatus()
      rendered('useSyncStatus')
      return <p>{`${status} ${queueSize}`}</p>
    }
    function SyncIndicator() {
      const { status, isOnline } = useBackgroundSync({ onSync, onError: () => {}, onOnline: () => {}, onOffline: () => {} })
      rendered('useBackgroundSync')
      return <p>{`${status} ${isOnline}`}</p>
    }
    function Queue() {
      const ops = usePendingOps('widgets')
      const { conflicts } = useConflicts()
      rendered('usePendingOps+useConflicts')
      return <p>{`${ops.length} ${conflicts.length}`}</p>
    }

    const view = render(
      <>
        <ul>{watched.map((id) => <Tile key={id} id={id} />)}</ul>
        <StatusBar />
        <SyncIndicator />
        <Queue />
      </>,
      t.wrap,
    )
    await t.start()
    await t.answer(snapshot([...watched, ...others].map((id) => ({ id, value: 0, version: 1 })), 1))
    expect(view.getByTestId('w-7').textContent).toBe('0 false false')
    expect(onSync).toHaveBeenCalledTimes(1)
    const before = new Map(renders)
    const types = t.types().length
    const received = t.connection().received

    // 1,000 updates in 8 bursts of 125 frames, 250 ms apart: each burst is applied in 3 batches,
    // two closed by size (50), the last by delay (200 ms).
    const BURST = 125
    let seq = 1
    for (let burst = 0; burst < UPDATES / BURST; burst += 1) {
      await act(async () => {
        for (let i = 0; i < BURST; i += 1) {
          const n = burst * BURST + i
          const id = others[n % others.length]!
          seq += 1
          t.socket().deliver({ type: 'WIDGET_UPDATE', data: { id, value: n, version: 2 + Math.floor(n / others.length) }, seq })
        }
        await endOfTurn()
      })
      await advance(250)
    }

    // The updates went through the real path, in batches, and were applied.
    expect(t.connection().received).toBe(received + UPDATES)
    const batches = t.types().slice(types).filter((type) => type === 'realtime/collections/entitiesUpdated').length
    expect(batches).toBe(24)
    expect(t.view(others.at(-1)!)).toEqual({ id: others.at(-1), value: UPDATES - 1 })
    expect(t.syncs()).toHaveLength(1) // no seq gap: nothing made the sync run again

    expect(renders).toEqual(before)

    // An update of one watched entity renders exactly that component, once.
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-7', value: 77, version: 2 }, seq: seq + 1 })
    await advance(200)
    expect(view.getByTestId('w-7').textContent).toBe('77 false false')
    const changed = [...renders].filter(([name, count]) => count !== before.get(name))
    expect(changed).toEqual([['w-7', before.get('w-7')! + 1]])
  })

  it('an op on one watched entity renders that component and the queue, not the other tiles', async () => {
    const t = setupHooks()
    const renders = new Map<string, number>()
    const rendered = (name: string) => renders.set(name, (renders.get(name) ?? 0) + 1)
    function Tile({ id }: { id: string }) {
      const { data, pending } = useEntity<Widget>('widgets', id)
      rendered(id)
      return <li>{`${data?.value} ${pending}`}</li>
    }
    function Queue() {
      const ops = usePendingOps('widgets')
      rendered('usePendingOps')
      return <p>{ops.length}</p>
    }
    render(
      <>
        {watched.slice(0, 10).map((id) => <Tile key={id} id={id} />)}
        <Queue />
      </>,
      t.wrap,
    )
    await t.start()
    await t.answer(snapshot(watched.slice(0, 10).map((id) => ({ id, value: 0, version: 1 }))))
    const before = new Map(renders)
    await t.dispatch(t.realtime.actions.updateWidget({ id: 'w-3', value: 3 }))
    const changed = [...renders].filter(([name, count]) => count !== before.get(name)).map(([name, count]) => [name, count - before.get(name)!])
    expect(changed).toEqual([['w-3', 1], ['usePendingOps', 1]])
  })
})
