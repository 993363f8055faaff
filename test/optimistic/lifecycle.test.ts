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
  const ops = () => socket.sentMessages.filter((m) => m.type.startsWith('WIDGET_'))
  const ack = (opId: string | undefined, key: string, version: number, value: unknown) =>
    socket.deliver({ type: 'ACK', replyTo: opId, data: { key, version, value } })
  return { ...t, socket, sentOps: ops, ack }
}

describe('the RTK Query failure cases', () => {
  it('edits A then B on one key, A rejected: B stays', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))   // A
    t.store.dispatch(t.realtime.actions.renameWidget({ id: 'w-1', title: 'Load' })) // B
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 10 })
    const [a] = t.sentOps()
    t.socket.deliver({ type: 'NACK', replyTo: a!.id, data: { reason: 'value out of range', retryable: false } })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 1 })
    expect(t.ops().map((o) => o.mutation)).toEqual(['renameWidget'])
    expect(t.optimistic().rollbacks.at(-1)).toMatchObject({
      opId: a!.id,
      reason: { code: 'rejected', serverReason: 'value out of range' },
    })
    // B goes out once A is settled, on top of the same version.
    expect(t.sentOps().at(-1)).toMatchObject({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'Load', baseVersion: 1 } })
  })

  it('a remote update to another field lands while an op is pending: both visible (MERGE)', async () => {
    const t = await ready({ config: { optimistic: { CONFLICT_RESOLUTION: 'MERGE' } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU %', value: 1, version: 2 } })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU %', value: 10 })
    expect(t.ops()).toHaveLength(1)
    expect(t.optimistic().conflicts.at(-1)).toMatchObject({ strategy: 'MERGE', key: 'w-1', remoteVersion: 2 })
  })

  it('a remote update to another field keeps the pending edit with LOCAL_WINS too', async () => {
    const t = await ready({ config: { optimistic: { CONFLICT_RESOLUTION: 'LOCAL_WINS' } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU %', value: 1, version: 2 } })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU %', value: 10 })
    // The copy on the wire is answered first: refused (it was made on version 1), the op goes
    // out again against version 2 with the same opId, instead of being rolled back.
    expect(t.sentOps()).toHaveLength(1)
    const [first] = t.sentOps()
    t.socket.deliver({ type: 'NACK', replyTo: first!.id, data: { reason: 'conflict: base version 1 < current 2', retryable: false } })
    await endOfTurn()
    const sends = t.sentOps().filter((m) => m.data.value === 10)
    expect(sends.map((m) => m.data.baseVersion)).toEqual([1, 2])
    expect(new Set(sends.map((m) => m.id)).size).toBe(1)
    expect(t.optimistic().rollbacks).toEqual([])
  })
})

describe('confirmation', () => {
  it('by a broadcast carrying the opId, then a duplicate ACK changes nothing', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 7 }))
    const [op] = t.sentOps()
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 7, version: 2, opId: op!.id } })
    expect(t.ops()).toEqual([])
    expect(t.optimistic().conflicts).toEqual([])
    const before = t.store.getState().realtime
    t.ack(op!.id, 'w-1', 2, { id: 'w-1', title: 'CPU', value: 7 })
    t.ack(op!.id, 'w-1', 2, { id: 'w-1', title: 'CPU', value: 7 })
    await endOfTurn()
    expect(t.store.getState().realtime.collections).toBe(before.collections)
    expect(t.record('w-1')).toEqual({ confirmed: { id: 'w-1', title: 'CPU', value: 7 }, version: 2, view: { id: 'w-1', title: 'CPU', value: 7 } })
  })

  it('a late ACK with an older version does not move confirmed back', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 7 }))
    const [op] = t.sentOps()
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'X', value: 9, version: 5 } })
    t.ack(op!.id, 'w-1', 2, { id: 'w-1', title: 'CPU', value: 7 })
    await endOfTurn()
    expect(t.record('w-1')!.version).toBe(5)
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'X', value: 9 })
  })

  it('manual mode: nothing is sent; confirm(opId) and rollback(opId) settle the ops', async () => {
    const t = await ready({
      mutations: {
        setValue: { collection: 'widgets', message: 'UNUSED', transport: 'manual', apply: (w: { value: number } | null, a: { id: string; value: number }) => void (w && (w.value = a.value)) },
      },
    } as Options)
    const realtime = t.realtime as unknown as { actions: Record<string, (...a: unknown[]) => { payload: { opId: string } }> }
    const a = t.store.dispatch(realtime.actions.setValue!({ id: 'w-1', value: 5 }) as never) as unknown as { payload: { opId: string } }
    const b = t.store.dispatch(realtime.actions.setValue!({ id: 'w-2', value: 6 }) as never) as unknown as { payload: { opId: string } }
    expect(t.sentOps()).toEqual([])
    expect(t.ops().map((o) => o.status)).toEqual(['manual', 'manual'])
    t.store.dispatch(t.realtime.actions.confirm(a.payload.opId, { version: 2, value: { id: 'w-1', title: 'CPU', value: 5 } }))
    t.store.dispatch(t.realtime.actions.rollback(b.payload.opId))
    expect(t.ops()).toEqual([])
    expect(t.record('w-1')).toMatchObject({ version: 2, view: { value: 5 } })
    expect(t.view('w-2')).toMatchObject({ value: 2 })
    expect(t.optimistic().rollbacks.at(-1)!.reason.code).toBe('manual')
  })
})

describe('delivery', () => {
  it('sends ops on one key one at a time, in creation order; other keys do not wait', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 11 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 20 }))
    expect(t.sentOps().map((m) => m.data.value)).toEqual([10, 20])
    const [first] = t.sentOps()
    t.ack(first!.id, 'w-1', 2, { id: 'w-1', title: 'CPU', value: 10 })
    expect(t.sentOps().map((m) => m.data.value)).toEqual([10, 20, 11])
    expect(t.sentOps()[2]!.data.baseVersion).toBe(2)
  })

  it('retries an unanswered op with the same opId after a growing backoff, then rolls it back when retries are spent', async () => {
    const t = await ready({ config: { optimistic: { TIMEOUT: 1000 }, backgroundSync: { MAX_RETRIES: 2, RETRY_DELAY: 400 } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    expect(t.sentOps()).toHaveLength(1)
    // The timeout scan ticks every 100 ms; the retry then waits 400 ms (random 0.5: no spread).
    await vi.advanceTimersByTimeAsync(1000 + 399)
    expect(t.sentOps()).toHaveLength(1)
    expect(t.ops()[0]).toMatchObject({ status: 'queued', retries: 1, earlierUnanswered: true })
    await vi.advanceTimersByTimeAsync(1)
    expect(t.sentOps()).toHaveLength(2)
    // The second retry waits twice as long.
    await vi.advanceTimersByTimeAsync(1000 + 799)
    expect(t.sentOps()).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    const sends = t.sentOps()
    expect(sends).toHaveLength(3)
    expect(sends.map((m) => m.attempt)).toEqual([1, 2, 3])
    expect(new Set(sends.map((m) => m.id)).size).toBe(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(t.ops()).toEqual([])
    expect(t.view('w-1')).toMatchObject({ value: 1 })
    expect(t.optimistic().rollbacks.at(-1)!.reason).toMatchObject({ code: 'retries_exhausted', inDoubt: true })
    expect(t.optimistic().rollbacks.at(-1)!.reason.message).toContain('backgroundSync.MAX_RETRIES')
  })

  it('a retryable NACK sends again after the backoff; a poisoned op does not block the next on its key', async () => {
    const t = await ready({ config: { backgroundSync: { MAX_RETRIES: 1, RETRY_DELAY: 250 } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.renameWidget({ id: 'w-1', title: 'next' }))
    const nack = () => t.socket.deliver({ type: 'NACK', replyTo: t.sentOps()[0]!.id, data: { reason: 'busy', retryable: true } })
    nack()
    expect(t.sentOps().map((m) => m.data.value)).toEqual([10])
    await vi.advanceTimersByTimeAsync(250)
    expect(t.sentOps().map((m) => m.data.value)).toEqual([10, 10])
    nack()
    expect(t.ops().map((o) => o.mutation)).toEqual(['renameWidget'])
    expect(t.optimistic().rollbacks.at(-1)!.reason).toMatchObject({ code: 'retries_exhausted', serverReason: 'busy' })
    expect(t.sentOps().at(-1)).toMatchObject({ data: { title: 'next' } })
  })

  it('a lost socket does not count against the retries, and the next socket sends at once', async () => {
    const t = await ready({ config: { backgroundSync: { MAX_RETRIES: 1, RETRY_DELAY: 5000 } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.socket.deliver({ type: 'NACK', replyTo: t.sentOps()[0]!.id, data: { reason: 'busy', retryable: true } })
    expect(t.ops()[0]).toMatchObject({ status: 'queued', retries: 1, retryAt: expect.any(Number) })
    const opFrames = () => FakeWebSocket.instances.flatMap((socket) => socket.sentMessages.filter((m) => m.type === 'WIDGET_UPDATE'))
    // Three drops: none is a refusal, so the op is not rolled back and waits no backoff.
    for (let i = 1; i <= 3; i++) {
      FakeWebSocket.last.serverClose(1006)
      await vi.advanceTimersByTimeAsync(1000)
      FakeWebSocket.last.acceptOpen()
      expect(opFrames()).toHaveLength(1 + i)
      expect(t.ops()[0]).toMatchObject({ status: 'sent', retries: 1, attempts: 1 + i })
    }
    expect(t.optimistic().rollbacks).toEqual([])
  })

  it('ops made offline are sent on connect; sent ops are resent after a drop with the same opId', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    const first = t.sentOps()[0]!
    t.socket.serverClose(1006)
    expect(t.ops()[0]!.status).toBe('queued')
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 20 }))
    await vi.advanceTimersByTimeAsync(1000)
    const next = FakeWebSocket.last
    next.acceptOpen()
    expect(next.sentMessages.map((m) => [m.id, m.data.value])).toEqual([
      [first.id, 10],
      [expect.any(String), 20],
    ])
  })

  it('refuses a mutation beyond MAX_PENDING with an error action and drops nothing', async () => {
    const t = await ready({ config: { optimistic: { MAX_PENDING: 2 } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 20 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 21 }))
    expect(t.ops().map((o) => (o.args as { value: number }).value)).toEqual([10, 20])
    expect(t.seen.at(-1)).toMatchObject({ type: 'realtime/optimistic/mutationRefused', payload: { mutation: 'updateWidget', error: { code: 'MAX_PENDING' } } })
    expect(t.optimistic().lastError!.message).toContain('optimistic.MAX_PENDING = 2')
    expect(t.view('w-2')).toMatchObject({ value: 20 })
  })

  it('throws at once for a mutation call without a key', async () => {
    const t = await ready()
    expect(() => t.realtime.actions.updateWidget({ value: 1 } as never)).toThrow(/realtime\.actions\.updateWidget\(args\): the entity key must be a non-empty string/)
  })
})

describe('conflicts', () => {
  it('REMOTE_WINS drops the pending ops, records the conflict and calls onConflict', async () => {
    const onConflict = vi.fn()
    const t = await ready({ onConflict } as Options)
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 99, version: 2 } })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 99 })
    expect(t.ops()).toEqual([])
    expect(t.optimistic().rollbacks.at(-1)!.reason.code).toBe('conflict')
    const conflict = t.optimistic().conflicts.at(-1)!
    expect(conflict).toMatchObject({ strategy: 'REMOTE_WINS', local: { value: 10 }, remote: { value: 99 }, fields: ['value'] })
    expect(onConflict).toHaveBeenCalledWith(conflict)
  })

  it('MERGE: a field both sides changed takes the remote value', async () => {
    const t = await ready({ config: { optimistic: { CONFLICT_RESOLUTION: 'MERGE' } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.renameWidget({ id: 'w-1', title: 'mine' }))
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 50, version: 2 } })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'mine', value: 50 })
    expect(t.optimistic().conflicts.at(-1)!.fields).toEqual(['value'])
  })

  it('a resolver function chooses; one that throws counts as REMOTE_WINS', async () => {
    const resolver = vi.fn(() => 'LOCAL_WINS' as const)
    const t = await ready({
      mutations: { updateWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', conflict: resolver, apply: (w: { value: number }, a: { value: number }) => void (w.value = a.value) } },
    } as Options)
    t.store.dispatch((t.realtime.actions as any).updateWidget({ id: 'w-1', value: 10 }))
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 99, version: 2 } })
    await endOfTurn()
    expect(resolver).toHaveBeenCalledWith(expect.objectContaining({ key: 'w-1', base: { id: 'w-1', title: 'CPU', value: 1 }, remote: { id: 'w-1', title: 'CPU', value: 99 }, local: { id: 'w-1', title: 'CPU', value: 10 } }))
    expect(t.view('w-1')).toMatchObject({ value: 10 })
    resolver.mockImplementation(() => {
      throw new Error('resolver bug')
    })
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 98, version: 3 } })
    expect(t.view('w-1')).toMatchObject({ value: 98 })
    expect(t.ops()).toEqual([])
  })

  it('an update that confirms our own op is no conflict for the op after it', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.renameWidget({ id: 'w-1', title: 'B' }))
    const [a] = t.sentOps()
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 10, version: 2, opId: a!.id } })
    expect(t.optimistic().conflicts).toEqual([])
    expect(t.ops()).toMatchObject([{ mutation: 'renameWidget', baseVersion: 2 }])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'B', value: 10 })
  })
})

describe('create, delete, flags', () => {
  it('creates and deletes entities optimistically', async () => {
    const t = await ready()
    t.store.dispatch(t.realtime.actions.createWidget({ id: 'w-9', title: 'New', value: 0 }))
    expect(t.view('w-9')).toEqual({ id: 'w-9', title: 'New', value: 0 })
    expect(t.record('w-9')).toMatchObject({ confirmed: null, version: 0 })
    t.store.dispatch(t.realtime.actions.deleteWidget({ id: 'w-2' }))
    expect(t.view('w-2')).toBeNull()
    expect(t.realtime.selectors.selectEntities(t.store.getState(), 'widgets')).not.toHaveProperty('w-2')
    expect(t.realtime.selectors.selectHasPendingOps(t.store.getState(), 'widgets', 'w-9')).toBe(true)
  })

  it('with ENABLE_OPTIMISTIC_UPDATES off, views wait for the server', async () => {
    const t = await ready({ config: { features: { ENABLE_OPTIMISTIC_UPDATES: false } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    expect(t.view('w-1')).toMatchObject({ value: 1 })
    t.ack(t.sentOps()[0]!.id, 'w-1', 2, { id: 'w-1', title: 'CPU', value: 10 })
    expect(t.view('w-1')).toMatchObject({ value: 10 })
  })
})
