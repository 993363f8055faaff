/**
 * Issue 6, bug 6: the op index leaks. Every way an op leaves (retries spent by timeout, settled by
 * hand, dropped by REMOTE_WINS) must leave the index (`optimistic.index[bucket][opId]`) too.
 *
 * The index lives in state only after the fix; the leak is also visible from outside: once an op
 * is gone and its rollback record cleared, an answer naming it matches nothing and must be
 * `messageRejected` with `unmatched_answer`, not handled as the answer to an op still indexed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Rollback } from '../../../src/optimistic/types'
import { advanceUntil, FakeWebSocket, openStore, WidgetServer, type Options } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const config = { updates: { BATCH_MODE: 'off' }, optimistic: { TIMEOUT: 1000, MAX_PENDING: 1000 } }

async function store(server?: WidgetServer, optimistic: Record<string, unknown> = {}, more: Record<string, unknown> = {}) {
  const t = await openStore({ config: { ...config, ...more, optimistic: { ...config.optimistic, ...optimistic } } } as Options, server)
  // Every rollback record ever made (state keeps the last 50), latest copy per opId.
  const rollbacks = new Map<string, Rollback>()
  t.store.subscribe(() => {
    for (const r of t.optimistic().rollbacks) rollbacks.set(r.opId, r)
  })
  /** Clears the rollback records, then answers every opId with a NACK: each must match nothing. */
  const probe = async (opIds: string[]) => {
    t.store.dispatch(t.realtime.actions.rollbacksCleared())
    const from = t.seen.length
    await t.deliver(...opIds.map((opId) => t.nack(opId, 'late answer', false)))
    const after = t.seen.slice(from)
    const unmatched = after.filter((a) => a.type === 'realtime/connection/messageRejected' && (a.payload as { code: string }).code === 'unmatched_answer').length
    const handled = after.filter((a) => a.type === 'realtime/optimistic/opNacked' || a.type === 'realtime/connection/messageReceived').map((a) => a.type)
    // Answers to ops confirmed lately are recognized as late duplicates: no action at all.
    return { unmatched, handled, ignored: opIds.length - unmatched - handled.length }
  }
  return { ...t, rollbacks, probe }
}

describe('bug 6: the op index leaks', () => {
  it('300 ops that run out of retries by timeout: 0 pending, index empty, their answers match nothing', async () => {
    const server = new WidgetServer()
    const keys = Array.from({ length: 10 }, (_, i) => `n-${i}`)
    for (const key of keys) server.seed(key, 1, { id: key, title: 'n', value: 0 })
    // One retry each (2 deliveries): fewer actions, same path as the default 3.
    const t = await store(server, {}, { backgroundSync: { MAX_RETRIES: 1 } })
    // 30 rounds of 10 ops (one per key), the rollback records (kept in t.rollbacks) cleared after
    // each: RTK's dev checks walk the whole state on every action, so it is kept small.
    const opIds: string[] = []
    for (let round = 0; round < 30; round++) {
      opIds.push(...keys.map((id) => t.mutate('updateWidget', { id, value: round + 1 })))
      expect(await advanceUntil(() => t.ops().length === 0, 60_000, 1000)).toBe(true)
      t.store.dispatch(t.realtime.actions.rollbacksCleared())
    }
    expect(new Set(opIds).size).toBe(300)
    expect(t.opFrames()).toHaveLength(300 * 2) // 1 + backgroundSync.MAX_RETRIES deliveries each
    expect(t.realtime.selectors.selectPendingCount(t.store.getState())).toBe(0)
    expect(t.index()).toEqual([])
    for (const key of keys) expect(t.view(key)).toEqual(server.value(key))
    expect(t.rollbacks.size).toBe(300)
    const reasons = [...t.rollbacks.values()].map((r) => r.reason)

    const probe = await t.probe(opIds)
    expect(probe.handled, 'answers handled as if the ops were still indexed').toEqual([])
    expect(probe.unmatched).toBe(300)
    // No answer came: the server may have applied them.
    expect(reasons.filter((r) => !(r.code === 'retries_exhausted' && (r as { inDoubt?: boolean }).inDoubt === true))).toEqual([])
  })

  it('ops settled by hand (confirm, rollback) while their delivery is on the wire: 0 pending, index empty', async () => {
    const server = new WidgetServer()
    for (const key of ['w-1', 'w-2', 'w-3']) server.seed(key, 1, { id: key, title: key, value: 1 })
    const t = await store(server)
    const [a, b, c] = ['w-1', 'w-2', 'w-3'].map((id) => t.mutate('updateWidget', { id, value: 5 }))
    expect(t.opFrames()).toHaveLength(3)
    t.store.dispatch(t.realtime.actions.confirm(a!, { version: 2, value: { id: 'w-1', title: 'w-1', value: 5 } }))
    t.store.dispatch(t.realtime.actions.confirm(b!))
    t.store.dispatch(t.realtime.actions.rollback(c!))
    expect(t.ops()).toEqual([])
    expect(t.record('w-1')).toMatchObject({ version: 2, view: { value: 5 } })
    expect(t.view('w-2')).toMatchObject({ value: 5 })
    expect(t.view('w-3')).toMatchObject({ value: 1 })
    // c was on the wire: rolled back at once, but it holds its lane's turn (in doubt, indexed) until
    // its answer, which never comes: then its record says nobody knows what the server did.
    expect(t.index()).toEqual([c])
    expect(t.rollbacks.get(c!)!.reason).toMatchObject({ code: 'manual' })
    expect(await advanceUntil(() => t.index().length === 0, 60_000)).toBe(true)
    expect(t.rollbacks.get(c!)!.reason).toMatchObject({ code: 'manual', inDoubt: true })

    const probe = await t.probe([a!, b!, c!])
    expect(probe.handled, 'answers handled as if the ops were still indexed').toEqual([])
    expect(probe.unmatched).toBe(1) // c: its record was cleared by the probe
    expect(probe.ignored).toBe(2) // a and b: confirmed lately, a late answer is a harmless duplicate
  })

  it('ops dropped by REMOTE_WINS that never get an answer: 0 pending, index empty', async () => {
    const server = new WidgetServer()
    const keys = Array.from({ length: 10 }, (_, i) => `x-${i}`)
    for (const key of keys) server.seed(key, 1, { id: key, title: 'x', value: 1 })
    const t = await store(server, { CONFLICT_RESOLUTION: 'REMOTE_WINS' })
    const onWire = keys.map((id) => t.mutate('updateWidget', { id, value: 7 }))
    const queued = keys.map((id) => t.mutate('renameWidget', { id, title: 'mine' }))
    expect(t.opFrames().map((m) => m.id)).toEqual(onWire)
    await t.deliver(...keys.map((key) => server.remote(key, { title: 'theirs' })))
    expect(t.optimistic().conflicts).toHaveLength(10)
    // All are rolled back at once as conflicts; the ones on the wire stay in doubt (not pending, but
    // indexed: they hold their lane's turn) until their answer, which never comes: their timeout.
    expect(t.ops()).toEqual([])
    expect(t.index()).toHaveLength(10)
    expect(await advanceUntil(() => t.index().length === 0, 60_000)).toBe(true)
    for (const opId of onWire) expect(t.rollbacks.get(opId)?.reason).toMatchObject({ code: 'conflict', inDoubt: true })
    expect(t.realtime.selectors.selectPendingCount(t.store.getState())).toBe(0)
    expect(t.index()).toEqual([])
    for (const key of keys) expect(t.view(key)).toEqual(server.value(key))
    for (const opId of queued) expect(t.rollbacks.get(opId)?.reason.code).toBe('conflict')

    const probe = await t.probe([...onWire, ...queued])
    expect(probe.handled, 'answers handled as if the ops were still indexed').toEqual([])
    expect(probe.unmatched).toBe(20)
  })
})
