import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { GAP_RESYNC_MIN_INTERVAL } from '../../src/sync/syncSaga'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { loadedStore, update } from './support'

// Resyncs: after a reconnect, and when the seq of inbound frames skips numbers.

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

/** Drops the socket and lets the client reconnect (backoff 1 s ± jitter with random 0.5: 1 s). */
async function reconnect(t: Awaited<ReturnType<typeof loadedStore>>) {
  const before = FakeWebSocket.instances.length
  t.socket().serverClose()
  await vi.advanceTimersByTimeAsync(1000)
  if (FakeWebSocket.instances.length !== before + 1) throw new Error('the client did not reconnect')
  await t.open()
}

describe('resync after a reconnect', () => {
  it('marks the data stale when the socket drops, asks SYNC since the last seq on reopen, and recovers the missed update', async () => {
    const t = await loadedStore({}, 5)
    t.socket().serverClose()
    await endOfTurn()
    expect(t.sync().collections.widgets).toMatchObject({ status: 'stale', staleReason: 'reconnect' })
    expect(t.entityStatus('w-1')).toBe('stale')
    await vi.advanceTimersByTimeAsync(1000)
    await t.open()
    expect(t.syncs()).toEqual([{ type: 'SYNC', id: expect.any(String), data: { since: 5 } }])
    expect(t.sync().lastReason).toBe('reconnect')
    // w-1 changed while the client was away: broadcast 6, missed.
    await t.reply({ seq: 6, messages: [{ ...update('w-1', 2, { title: 'CPU', value: 99 }), seq: 6, ts: 1 }] })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 99 })
    expect(t.sync()).toMatchObject({ seq: 6, status: 'idle', collections: { widgets: { status: 'ready', staleReason: null } } })
    // Tracking goes on from 6: 7 is no gap.
    await t.deliver(update('w-2', 2, { title: 'RAM', value: 3 }, 7))
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    expect(t.syncs()).toHaveLength(1)
  })

  it('ops replayed on reconnect go out before the SYNC', async () => {
    const t = await loadedStore()
    t.socket().serverClose()
    await endOfTurn()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    await vi.advanceTimersByTimeAsync(1000)
    await t.open()
    expect(t.socket().allSentMessages.filter((m) => m.type !== 'PING').map((m) => m.type)).toEqual(['WIDGET_UPDATE', 'SYNC'])
  })

  it('a restarted server (its seq below ours) answers a snapshot, and tracking follows its numbers', async () => {
    const t = await loadedStore({}, 100)
    await reconnect(t)
    expect(t.lastSync().data).toEqual({ since: 100 })
    await t.reply({ snapshot: true, seq: 2, messages: [update('w-1', 1, { title: 'CPU', value: 1 })] })
    expect(t.sync().seq).toBe(2)
    expect(t.view('w-2')).toBeNull()
    await t.deliver(update('w-1', 2, { title: 'CPU', value: 5 }, 3))
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    expect(t.syncs()).toHaveLength(1)
  })
})

describe('resync on a seq gap', () => {
  it('a skipped seq sends SYNC since the last contiguous seq; the missed update is applied', async () => {
    const t = await loadedStore({}, 5)
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    await t.deliver(update('w-1', 2, { title: 'CPU', value: 2 }, 6))
    expect(t.syncs()).toHaveLength(1)
    // 7 never arrives: 8 is a gap.
    await t.deliver(update('w-1', 4, { title: 'CPU', value: 4 }, 8))
    expect(t.syncs()).toHaveLength(2)
    expect(t.lastSync().data).toEqual({ since: 6 })
    expect(t.sync().collections.widgets).toMatchObject({ status: 'stale', staleReason: 'seq_gap' })
    expect(t.sync().lastReason).toBe('seq_gap')
    // More frames while the SYNC is out: noted, not reported again.
    await t.deliver(update('w-1', 5, { title: 'CPU', value: 5 }, 9))
    expect(t.syncs()).toHaveLength(2)
    await t.reply({ seq: 9, messages: [7, 8, 9].map((seq) => ({ ...update(seq === 7 ? 'w-2' : 'w-1', seq === 7 ? 2 : seq - 4, { title: seq === 7 ? 'RAM' : 'CPU', value: seq * 10 }), seq })) })
    expect(t.view('w-2')).toEqual({ id: 'w-2', title: 'RAM', value: 70 }) // the missed one
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 5 }) // v5 held; the reply's v4 is older
    expect(t.sync()).toMatchObject({ seq: 9, collections: { widgets: { status: 'ready', staleReason: null } } })
    await t.deliver(update('w-1', 6, { title: 'CPU', value: 6 }, 10))
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    expect(t.syncs()).toHaveLength(2)
  })

  it('frames that overtake the reply continuing it cause no new SYNC; a hole among them does', async () => {
    const t = await loadedStore({}, 5)
    t.store.dispatch(t.realtime.actions.refresh())
    await vi.advanceTimersByTimeAsync(0)
    await t.deliver(update('w-1', 2, { value: 6 }, 6), update('w-1', 3, { value: 7 }, 7))
    await t.reply({ seq: 5, messages: [] })
    await t.deliver(update('w-1', 4, { value: 8 }, 8))
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    expect(t.syncs()).toHaveLength(2)

    t.store.dispatch(t.realtime.actions.refresh())
    await vi.advanceTimersByTimeAsync(0)
    expect(t.lastSync().data).toEqual({ since: 8 })
    // 9 is missing among the frames that overtake the reply (seq 8).
    await t.deliver(update('w-1', 6, { value: 10 }, 10))
    await t.reply({ seq: 8, messages: [] })
    expect(t.sync().collections.widgets!.staleReason).toBe('seq_gap')
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    expect(t.syncs()).toHaveLength(4)
    expect(t.lastSync().data).toEqual({ since: 8 })
  })

  it('a server that skips numbers for good costs one SYNC per GAP_RESYNC_MIN_INTERVAL, not a loop', async () => {
    const t = await loadedStore({}, 5)
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    let seq = 5
    for (let round = 0; round < 3; round++) {
      seq += 2
      await t.deliver(update('w-1', seq, { value: seq }, seq))
      await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
      await t.reply({ seq, messages: [] })
    }
    expect(t.syncs()).toHaveLength(4)
    expect(t.syncs().map((m) => m.data.since)).toEqual([0, 5, 7, 9])
  })

  it('frames without seq are not tracked, and duplicates are no gap', async () => {
    const t = await loadedStore({}, 5)
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    await t.deliver(update('w-1', 2, { value: 2 }), update('w-1', 3, { value: 3 }, 6), update('w-1', 3, { value: 3 }, 6), update('w-1', 3, { value: 3 }, 4))
    await vi.advanceTimersByTimeAsync(GAP_RESYNC_MIN_INTERVAL)
    expect(t.syncs()).toHaveLength(1)
  })
})
