import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Conflict } from '../../src'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { loadedStore, update } from './support'

// A sync result takes the path of live updates: pending ops stay rebased on top of it, it
// confirms the ops whose effect it carries, and a remote change under them is a conflict.

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

async function refreshed(t: Awaited<ReturnType<typeof loadedStore>>) {
  t.store.dispatch(t.realtime.actions.refresh())
  await vi.advanceTimersByTimeAsync(0)
}

describe('pending ops and sync results', () => {
  it('a snapshot moves confirmed; the pending op stays on top of it (no conflict on another field with LOCAL_WINS)', async () => {
    const t = await loadedStore({ config: { optimistic: { CONFLICT_RESOLUTION: 'LOCAL_WINS' } } })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    await refreshed(t)
    await t.reply({ snapshot: true, seq: 9, messages: [update('w-1', 2, { title: 'CPU %', value: 1 }), update('w-2', 1, { title: 'RAM', value: 2 })] })
    expect(t.record('w-1')).toEqual({
      confirmed: { id: 'w-1', title: 'CPU %', value: 1 },
      version: 2,
      view: { id: 'w-1', title: 'CPU %', value: 10 },
    })
    expect(t.ops()).toMatchObject([{ key: 'w-1', args: { value: 10 } }])
  })

  it('an unrelated entity in the result leaves the op and its view alone', async () => {
    const t = await loadedStore()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    await refreshed(t)
    await t.reply({ seq: 6, messages: [{ ...update('w-2', 2, { title: 'RAM', value: 22 }), seq: 6 }] })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 10 })
    expect(t.view('w-2')).toEqual({ id: 'w-2', title: 'RAM', value: 22 })
    expect(t.ops()).toHaveLength(1)
    expect(t.optimistic().conflicts).toEqual([])
  })

  it('a missed broadcast carrying the opId confirms the op; the next op of the lane goes out', async () => {
    const t = await loadedStore()
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 11 }))
    const [first] = t.socket().sentMessages
    expect(t.socket().sentMessages).toHaveLength(1)
    await refreshed(t)
    // The op's ACK was lost; its broadcast is in the SYNC reply.
    await t.reply({ seq: 6, messages: [{ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 10, version: 2, opId: first!.id }, seq: 6 }] })
    expect(t.ops()).toMatchObject([{ args: { value: 11 }, baseVersion: 2 }])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 11 })
    expect(t.socket().sentMessages.map((m) => m.data.value)).toEqual([10, 11])
  })

  it('a remote change under a pending op is a conflict, resolved by the strategy and reported to onConflict', async () => {
    const conflicts: Conflict[] = []
    const t = await loadedStore({ onConflict: (conflict) => void conflicts.push(conflict) })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    await refreshed(t)
    await t.reply({ seq: 6, messages: [{ ...update('w-1', 2, { title: 'CPU', value: 50 }), seq: 6 }] })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 50 })
    expect(conflicts).toMatchObject([{ key: 'w-1', strategy: 'REMOTE_WINS', remoteVersion: 2 }])
    expect(t.optimistic().rollbacks.at(-1)).toMatchObject({ reason: { code: 'conflict' } })
    expect(t.ops()).toEqual([])
  })
})
