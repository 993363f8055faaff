import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

type Options = Parameters<typeof createWidgetStore>[0]

/** A store whose socket is open and whose widgets w-1 and w-2 are known at version 1. */
async function ready(options: Options = {}) {
  const config = { ...options?.config, updates: { BATCH_MODE: 'off' as const }, websocket: { HEARTBEAT_INTERVAL: 0 } }
  const t = createWidgetStore({ ...options, config })
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 1, version: 1 } })
  socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-2', title: 'RAM', value: 2, version: 1 } })
  await endOfTurn()
  const sentOps = () => socket.sentMessages.filter((m) => m.type.startsWith('WIDGET_'))
  return { ...t, socket, sentOps }
}

describe('queue controls', () => {
  it('pause() holds every op (queued, shown, counted); resume() sends them in creation order per key', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.pause())
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 20 }))
    t.store.dispatch(t.realtime.actions.renameWidget({ id: 'w-1', title: 'Load' }))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.sentOps()).toEqual([])
    expect(t.optimistic().paused).toBe(true)
    expect(t.ops().map((o) => o.status)).toEqual(['queued', 'queued', 'queued'])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 10 })
    t.store.dispatch(t.realtime.actions.resume())
    // One op per key on the wire: w-1's rename waits for its update's answer.
    expect(t.sentOps().map((m) => [m.data.id, m.data.value ?? m.data.title])).toEqual([['w-1', 10], ['w-2', 20]])
  })

  it('pause() does not stop answers to ops already on the wire', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.pause())
    const [sent] = t.sentOps()
    t.socket.deliver({ type: 'ACK', replyTo: sent!.id, data: { key: 'w-1', version: 2, value: { id: 'w-1', title: 'CPU', value: 10 } } })
    expect(t.ops()).toEqual([])
    expect(t.record('w-1')).toMatchObject({ version: 2, view: { value: 10 } })
  })

  it('discard(opId) drops a queued op with reason discarded; the ops after it stay and go out', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.pause())
    const a = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    t.store.dispatch(t.realtime.actions.renameWidget({ id: 'w-1', title: 'Load' }))
    t.store.dispatch(t.realtime.actions.discard(a))
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 1 })
    expect(t.optimistic().rollbacks.at(-1)).toMatchObject({ opId: a, reason: { code: 'discarded', message: 'discarded by the user' } })
    t.store.dispatch(t.realtime.actions.resume())
    expect(t.sentOps().map((m) => m.data)).toEqual([{ id: 'w-1', title: 'Load', baseVersion: 1 }])
  })

  it('discard(opId) of an op on the wire waits in doubt for its answer, like rollback', async () => {
    const t = await ready()
    const a = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    t.store.dispatch(t.realtime.actions.discard(a, 'not wanted'))
    expect(t.view('w-1')).toMatchObject({ value: 1 })
    expect(t.optimistic().count).toBe(0)
    t.socket.deliver({ type: 'ACK', replyTo: a, data: { key: 'w-1', version: 2, value: { id: 'w-1', title: 'CPU', value: 10 } } })
    expect(t.optimistic().rollbacks.at(-1)).toMatchObject({ opId: a, reason: { code: 'discarded', message: 'not wanted' }, appliedAfterAll: true })
    expect(t.view('w-1')).toMatchObject({ value: 10 })
  })

  it('retryNow(opId) sends an op waiting out its backoff at once', async () => {
    const t = await ready({ config: { backgroundSync: { RETRY_DELAY: 10_000 } } })
    const a = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 })).payload.opId
    t.socket.deliver({ type: 'NACK', replyTo: a, data: { reason: 'busy', retryable: true } })
    await vi.advanceTimersByTimeAsync(1000)
    expect(t.sentOps()).toHaveLength(1)
    t.store.dispatch(t.realtime.actions.retryNow(a))
    expect(t.sentOps().map((m) => [m.id, m.attempt])).toEqual([[a, 1], [a, 2]])
    // retryNow of an op that waits for nothing changes nothing.
    const before = t.store.getState()
    t.store.dispatch(t.realtime.actions.retryNow(a))
    t.store.dispatch(t.realtime.actions.retryNow('no-such-op'))
    expect(t.store.getState().realtime.optimistic).toBe(before.realtime.optimistic)
  })

  it('backgroundSync.MAX_OUTBOX_SIZE refuses a further mutation with OUTBOX_FULL and drops nothing', async () => {
    const t = await ready({ config: { backgroundSync: { MAX_OUTBOX_SIZE: 2 } } })
    t.store.dispatch(t.realtime.actions.pause())
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 20 }))
    const refused = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 11 }))
    expect(refused.type).toBe('realtime/optimistic/mutationRefused')
    expect(t.optimistic().lastError).toMatchObject({ code: 'OUTBOX_FULL' })
    expect(t.optimistic().lastError!.message).toContain('backgroundSync.MAX_OUTBOX_SIZE = 2')
    expect(t.ops().map((o) => o.args)).toEqual([{ id: 'w-1', value: 10 }, { id: 'w-2', value: 20 }])
  })
})

describe('compaction', () => {
  const mutations = {
    patchWidget: {
      collection: 'widgets', message: 'WIDGET_UPDATE', compact: true,
      apply: (w: Record<string, unknown> | null, patch: Record<string, unknown>) => { if (w) Object.assign(w, patch) },
    },
    bump: {
      collection: 'widgets', message: 'WIDGET_UPDATE', compact: (a: { id: string; by: number }, b: { id: string; by: number }) => ({ id: a.id, by: a.by + b.by }),
      apply: (w: { value: number } | null, { by }: { id: string; by: number }) => { if (w) w.value += by },
    },
    fragile: {
      collection: 'widgets', message: 'WIDGET_UPDATE', compact: () => { throw new Error('no') },
      apply: (w: { value: number } | null, { value }: { id: string; value: number }) => { if (w) w.value = value },
    },
  }
  const store = () => ready({ mutations } as Options)
  const act = (t: Awaited<ReturnType<typeof store>>) => t.realtime.actions as unknown as Record<string, (args: unknown) => { type: string; payload: { opId: string } }>

  it('consecutive unsent calls of a compacting mutation fold into one op; the view shows every call', async () => {
    const t = await store()
    t.store.dispatch(t.realtime.actions.pause())
    t.store.dispatch(act(t).patchWidget!({ id: 'w-1', value: 10 }))
    t.store.dispatch(act(t).patchWidget!({ id: 'w-1', title: 'Load' }))
    t.store.dispatch(act(t).patchWidget!({ id: 'w-1', value: 12 }))
    t.store.dispatch(act(t).bump!({ id: 'w-2', by: 1 }))
    t.store.dispatch(act(t).bump!({ id: 'w-2', by: 2 }))
    expect(t.ops().map((o) => o.args)).toEqual([{ id: 'w-1', value: 12, title: 'Load' }, { id: 'w-2', by: 3 }])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 12 })
    expect(t.view('w-2')).toMatchObject({ value: 5 })
    t.store.dispatch(t.realtime.actions.resume())
    expect(t.sentOps().map((m) => m.data)).toEqual([
      { id: 'w-1', value: 12, title: 'Load', baseVersion: 1 },
      { id: 'w-2', by: 3, baseVersion: 1 },
    ])
  })

  it('an op already sent takes no new args (the server would answer the replay with the old answer): the call is its own op', async () => {
    const t = await store()
    t.store.dispatch(act(t).patchWidget!({ id: 'w-1', value: 10 }))
    t.store.dispatch(act(t).patchWidget!({ id: 'w-1', value: 11 }))
    t.store.dispatch(act(t).patchWidget!({ id: 'w-1', value: 12 }))
    // The first is on the wire; the two after it fold together.
    expect(t.ops().map((o) => [o.status, o.args])).toEqual([['sent', { id: 'w-1', value: 10 }], ['queued', { id: 'w-1', value: 12 }]])
  })

  it('a compact function that throws costs only the compaction: the call is an op of its own', async () => {
    const t = await store()
    t.store.dispatch(t.realtime.actions.pause())
    t.store.dispatch(act(t).fragile!({ id: 'w-1', value: 10 }))
    t.store.dispatch(act(t).fragile!({ id: 'w-1', value: 11 }))
    expect(t.ops()).toHaveLength(2)
    expect(t.view('w-1')).toMatchObject({ value: 11 })
  })

  it('compact must be a boolean or a function', () => {
    expect(() => createWidgetStore({ mutations: { bad: { collection: 'widgets', message: 'X', apply: () => {}, compact: 'yes' } } } as unknown as Options))
      .toThrow(/mutations\.bad\.compact must be a boolean or a function/)
  })
})
