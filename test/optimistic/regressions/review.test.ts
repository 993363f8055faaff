/**
 * Found by an independent review of the issue-6 change, each reproduced through the real path
 * (FakeWebSocket → codec → handleFrame → reducer) before the fix.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket, openStore, widgetOptions, WidgetServer, type Options, type Widget } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const off = { updates: { BATCH_MODE: 'off' } }
const cpu = () => new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })

describe('MERGE', () => {
  it('an op the remote took every field of, whose stale delivery is refused, is merged away, not resent as an empty patch', async () => {
    const server = cpu()
    const t = await openStore({ config: { ...off, optimistic: { CONFLICT_RESOLUTION: 'MERGE' } } } as Options, server)
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    await t.deliver(server.remote('w-1', { value: 50 }))
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 50 })
    await t.deliver(t.nack(a, 'stale base', false, 1))
    expect(t.opFrames('w-1')).toHaveLength(1)
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.optimistic().rollbacks.map((r) => [r.opId, r.reason.code, r.reason.inDoubt])).toEqual([[a, 'conflict', undefined]])
    expect(t.optimistic().rollbacks[0]!.reason.message).toMatch(/merged away/)
  })

  it('a remote change during an op\'s debounce window is no conflict: the op is still being made, and goes out on the new version', async () => {
    const server = cpu()
    const mutations = {
      ...widgetOptions.mutations,
      setWidget: {
        collection: 'widgets', message: 'WIDGET_UPDATE', debounce: 1000,
        apply: (w: Widget | null, args: { id: string; value: number; title: string }) => { if (w) { w.value = args.value; w.title = args.title } },
      },
    }
    const t = await openStore({ mutations, config: { ...off, optimistic: { CONFLICT_RESOLUTION: 'REMOTE_WINS' } } } as Options, server)
    t.mutate('setWidget', { id: 'w-1', value: 10, title: 'A' })
    await t.deliver(server.remote('w-1', { value: 50 }))
    // REMOTE_WINS would have dropped it; in its window it is not in conflict with anything.
    expect(t.optimistic().conflicts).toEqual([])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'A', value: 10 })
    t.mutate('setWidget', { id: 'w-1', value: 99, title: 'A' })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'A', value: 99 })
    await vi.advanceTimersByTimeAsync(1500)
    const frames = t.opFrames('w-1')
    expect(frames).toHaveLength(1)
    expect(frames[0]!.data).toEqual({ id: 'w-1', title: 'A', value: 99, baseVersion: 2 })
    await t.deliver(t.ack(frames[0]!.id!, server.apply(frames[0]!), 1))
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 3, view: server.value('w-1') })
    expect(server.value('w-1')).toMatchObject({ value: 99, title: 'A' })
    expect(t.optimistic().rollbacks).toEqual([])
  })

  it('once its window is over and it waits (paused), a remote change is a conflict again', async () => {
    const server = cpu()
    const mutations = {
      ...widgetOptions.mutations,
      setWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', debounce: 100, apply: (w: Widget | null, args: { id: string; value: number }) => { if (w) w.value = args.value } },
    }
    const t = await openStore({ mutations, config: off } as Options, server)
    t.store.dispatch(t.realtime.actions.pause())
    t.mutate('setWidget', { id: 'w-1', value: 10 })
    await vi.advanceTimersByTimeAsync(200)
    expect(t.opFrames('w-1')).toEqual([])
    await t.deliver(server.remote('w-1', { value: 50 }))
    expect(t.optimistic().conflicts).toHaveLength(1)
    expect(t.optimistic().rollbacks.at(-1)!.reason.code).toBe('conflict')
    expect(t.view('w-1')).toMatchObject({ value: 50 })
  })
})

describe('a late answer of an op rolled back meanwhile is its own effect, not a remote change', () => {
  const setUp = async () => {
    const server = cpu()
    const conflicts: unknown[] = []
    const t = await openStore({ config: { ...off, optimistic: { TIMEOUT: 1000 }, backgroundSync: { MAX_RETRIES: 0 } }, onConflict: (c: unknown) => conflicts.push(c) } as Options, server)
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    const [frameA] = t.opFrames('w-1')
    await vi.advanceTimersByTimeAsync(2100) // no answer: retries_exhausted, in doubt
    expect(t.optimistic().rollbacks.map((r) => [r.opId, r.reason.code, r.reason.inDoubt])).toEqual([[a, 'retries_exhausted', true]])
    const b = t.mutate('renameWidget', { id: 'w-1', title: 'Load' }) // sent at once
    const c = t.mutate('updateWidget', { id: 'w-1', value: 7 }) // queued behind B
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 7 })
    return { server, t, conflicts, a, b, c, ackA: server.apply(frameA!) }
  }

  it('an ACK with the value: the later ops stay, on top of it; the record says applied after all', async () => {
    const { t, conflicts, a, b, c, ackA } = await setUp()
    await t.deliver(t.ack(a, ackA, 1))
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 7 })
    expect(t.ops().map((o) => o.opId)).toEqual([b, c])
    expect(conflicts).toEqual([])
    expect(t.optimistic().rollbacks.map((r) => [r.opId, r.appliedAfterAll])).toEqual([[a, true]])
  })

  it('a value-less ACK, then the broadcast carrying its opId: the same', async () => {
    const { server, t, conflicts, a, b, c, ackA } = await setUp()
    await t.deliver(t.ack(a, { key: 'w-1', version: ackA.version }, 1), server.broadcast('w-1', a))
    expect(t.ops().map((o) => o.opId)).toEqual([b, c])
    expect(conflicts).toEqual([])
    expect(t.record('w-1')).toMatchObject({ version: 2, confirmed: server.value('w-1') })
  })
})

describe('rollback(opId) of an op on the wire', () => {
  it('holds its lane until the answer: the next op of the key waits; a late ACK says applied after all', async () => {
    const server = cpu()
    const t = await openStore({ config: off } as Options, server)
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    t.store.dispatch(t.realtime.actions.rollback(a))
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 1 })
    const b = t.mutate('renameWidget', { id: 'w-1', title: 'Load' })
    expect(t.opFrames('w-1').map((m) => m.id)).toEqual([a])
    await t.deliver(t.ack(a, server.apply(t.opFrames('w-1')[0]!), 1))
    expect(t.opFrames('w-1').map((m) => m.id)).toEqual([a, b])
    expect(t.optimistic().rollbacks.map((r) => [r.opId, r.reason.code, r.appliedAfterAll])).toEqual([[a, 'manual', true]])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 10 })
  })
})

describe('answers of a compliant server', () => {
  it('both deliveries answered (the first was slow): the second ACK is a late duplicate, not a rejection', async () => {
    const server = cpu()
    const t = await openStore({ config: { ...off, optimistic: { TIMEOUT: 1000 }, backgroundSync: { RETRY_DELAY: 0 } } } as Options, server)
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    await vi.advanceTimersByTimeAsync(1100)
    const frames = t.opFrames('w-1')
    expect(frames.map((f) => f.attempt)).toEqual([1, 2])
    await t.deliver(t.ack(a, server.apply(frames[0]!), 1), t.ack(a, server.apply(frames[1]!), 2))
    expect(t.rejections()).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 2, view: server.value('w-1') })
  })

  it('an acked op is in the value of a later op\'s ACK: it leaves, and is not applied twice', async () => {
    const server = cpu()
    const mutations = { ...widgetOptions.mutations, bump: { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (w: Widget | null) => { if (w) w.value += 1 } } }
    const t = await openStore({ mutations, config: off } as Options, server)
    const a = t.mutate('bump', { id: 'w-1' })
    server.remote('w-1', { title: 'CPU %' }) // v2, not received yet
    server.entities.get('w-1')!.value = { ...server.value('w-1')!, value: 2 } // A applied at v3
    server.entities.get('w-1')!.version = 3
    await t.deliver(t.ack(a, { key: 'w-1', version: 3 }, 1)) // no value, v3: acked (v2 unseen)
    expect(t.ops()).toMatchObject([{ opId: a, status: 'acked', ackedVersion: 3 }])
    const b = t.mutate('renameWidget', { id: 'w-1', title: 'Load' })
    const frameB = t.opFrames('w-1').find((m) => m.id === b)!
    await t.deliver(t.ack(b, server.apply(frameB), 1)) // v4, with the value (A's bump in it)
    expect(t.ops()).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 4, view: server.value('w-1') })
    expect(server.value('w-1')).toMatchObject({ value: 2, title: 'Load' })
  })
})
