/**
 * Issue 6, bugs 2 and 4: conflicts with an op whose delivery is on the wire.
 * Bug 2: REMOTE_WINS must not roll back an op the server may still apply, nor put a second op of
 * the key on the wire. Bug 4: MERGE must send what it shows.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Rollback } from '../../../src/optimistic/types'
import { advanceUntil, FakeWebSocket, openStore, seededRandom, widgetOptions, WidgetServer, type Frame, type Options, type Widget } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const off = { updates: { BATCH_MODE: 'off' } }

describe('bug 2: REMOTE_WINS and an op already on the wire', () => {
  it('A on the wire, a remote v2, then B on the same key: one delivery on the wire, both applied, no false rollback, one conflict', async () => {
    const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
    const t = await openStore({ config: { ...off, optimistic: { CONFLICT_RESOLUTION: 'REMOTE_WINS' } } } as Options, server)
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    expect(t.opFrames('w-1').map((m) => m.id)).toEqual([a])

    await t.deliver(server.remote('w-1', { title: 'CPU %' })) // v2: a conflict while A is unanswered
    const b = t.mutate('renameWidget', { id: 'w-1', title: 'Load' })
    // Invariant 5: never two deliveries of one key on the wire; B waits for A's answer.
    expect(t.opFrames('w-1').map((m) => m.id)).toEqual([a])
    // REMOTE_WINS: A is rolled back (the view is the remote value, B on top of it), but its delivery
    // is unanswered, so it stays in doubt, holding the lane's turn.
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 1 })
    expect(t.optimistic().rollbacks.map((r) => [r.opId, r.reason.code, r.appliedAfterAll])).toEqual([[a, 'conflict', undefined]])

    // The server applies A on v2 (it does not refuse stale bases): ACK v3, then its broadcast.
    const ackA = server.apply(t.opFrames('w-1')[0]!)
    await t.deliver(t.ack(a, ackA), server.broadcast('w-1', a))
    const frames = t.opFrames('w-1')
    expect(frames.map((m) => m.id)).toEqual([a, b])
    expect(frames[1]!.data).toMatchObject({ title: 'Load', baseVersion: 3 })

    const ackB = server.apply(frames[1]!)
    await t.deliver(t.ack(b, ackB), server.broadcast('w-1', b))
    expect(server.value('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 10 })
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 4, view: server.value('w-1') })
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    // No false rollback: A's record now says the server applied it after all; B has none.
    expect(t.optimistic().rollbacks.map((r) => [r.opId, r.reason.code, r.appliedAfterAll])).toEqual([[a, 'conflict', true]])
    expect(t.optimistic().conflicts).toHaveLength(1)
    expect(t.optimistic().conflicts[0]).toMatchObject({ strategy: 'REMOTE_WINS', key: 'w-1', opIds: [a], remoteVersion: 2 })
    expect((t.optimistic().conflicts[0] as { inFlight?: string[] }).inFlight).toEqual([a])
  })

  it('at scale: two clients, 200 seeded random edits on 10 keys, a server that applies every op: every conflict rollback is true', async () => {
    const random = seededRandom(20_240_606)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const server = new WidgetServer()
    const keys = Array.from({ length: 10 }, (_, i) => `k-${i}`)
    for (const key of keys) server.seed(key, 1, { id: key, title: 't', value: 0 })

    const clients: Array<{ t: Awaited<ReturnType<typeof openStore>>; read: number; queue: Frame[]; inbox: Frame[]; rollbacks: Map<string, Rollback> }> = []
    for (let c = 0; c < 2; c++) {
      const t = await openStore({ config: off } as Options, server)
      // Every rollback record ever made (state keeps the last 50), latest copy per opId.
      const rollbacks = new Map<string, Rollback>()
      t.store.subscribe(() => {
        for (const r of t.optimistic().rollbacks) rollbacks.set(r.opId, r)
      })
      clients.push({ t, read: 0, queue: [], inbox: [], rollbacks })
    }
    // The server reads each client's frames in order, applies them, ACKs the sender (with value)
    // and broadcasts to both (the ACK reaches the sender first); each direction is FIFO.
    const pull = () => {
      for (const c of clients) {
        const frames = c.t.opFrames()
        c.queue.push(...frames.slice(c.read))
        c.read = frames.length
      }
    }
    const serve = (c: (typeof clients)[number]) => {
      const frame = c.queue.shift()!
      const fresh = !server.applied.has(frame.id!)
      const ack = server.apply(frame)
      c.inbox.push(c.t.ack(frame.id!, ack))
      if (fresh) for (const other of clients) other.inbox.push(server.broadcast(ack.key, frame.id))
    }
    const network = async (steps: number) => {
      for (let i = 0; i < steps; i++) {
        pull()
        const withFrames = clients.filter((c) => c.queue.length > 0)
        const withInbox = clients.filter((c) => c.inbox.length > 0)
        if (withFrames.length > 0 && (withInbox.length === 0 || random() < 0.5)) serve(pick(withFrames))
        else if (withInbox.length > 0) {
          const c = pick(withInbox)
          await c.t.deliver(c.inbox.shift()!)
        }
      }
    }

    for (let edit = 0; edit < 200; edit++) {
      const c = pick(clients)
      const key = pick(keys)
      if (random() < 0.5) c.t.mutate('updateWidget', { id: key, value: Math.floor(random() * 100) })
      else c.t.mutate('renameWidget', { id: key, title: `t${edit}` })
      await network(Math.floor(random() * 4))
    }
    for (let round = 0; round < 10_000; round++) {
      pull()
      if (clients.every((c) => c.queue.length === 0 && c.inbox.length === 0)) break
      await network(1)
    }

    const conflicts = clients.reduce((n, c) => n + c.t.optimistic().conflicts.length, 0)
    expect(conflicts, 'the run produced conflicts').toBeGreaterThan(0)
    for (const [i, c] of clients.entries()) {
      expect(c.t.ops(), `client ${i}: nothing pending`).toEqual([])
      expect(c.t.index(), `client ${i}: op index empty`).toEqual([])
      for (const key of keys) expect(c.t.view(key), `client ${i}: ${key}`).toEqual(server.value(key))
      // A record is true unless it says otherwise: an op the server applied after a REMOTE_WINS
      // rollback must carry appliedAfterAll (or, when its answer was lost, reason.inDoubt).
      const falseConflicts = [...c.rollbacks.values()]
        .filter((r) => r.reason.code === 'conflict' && server.applied.has(r.opId) && !r.appliedAfterAll && !r.reason.inDoubt)
        .map((r) => r.opId)
      expect(falseConflicts, `client ${i}: ops rolled back as 'conflict' that the server applied, with a record that says otherwise`).toEqual([])
    }
  })
})

/** A patch mutation: the fields of args (but `id`) are written onto the widget. */
const patchWidget = {
  collection: 'widgets',
  message: 'WIDGET_UPDATE',
  apply: (widget: Widget | null, args: Partial<Widget> & { id: string }) => {
    if (!widget) return
    const { id: _id, ...fields } = args
    Object.assign(widget, fields)
  },
}
const mergeOptions = (extra: Record<string, unknown> = {}) =>
  ({
    mutations: { ...widgetOptions.mutations, patchWidget },
    config: { ...off, optimistic: { CONFLICT_RESOLUTION: 'MERGE', TIMEOUT: 1000, ...extra } },
  }) as Options

describe('bug 4: MERGE sends what it shows', () => {
  for (const lost of ['NACKed as stale', 'timed out'] as const) {
    it(`A {value:10, unit} on the wire, a remote v2 sets value 50, A's delivery ${lost}: the resend leaves value out and the server ends where the view said`, async () => {
      const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
      const t = await openStore(mergeOptions(), server)
      const a = t.mutate('patchWidget', { id: 'w-1', value: 10, unit: '%' })
      await t.deliver(server.remote('w-1', { value: 50 })) // v2
      expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 50, unit: '%' })

      if (lost === 'NACKed as stale') await t.deliver(t.nack(a, 'stale: base version 1 < current 2', false, 1))
      else expect(await advanceUntil(() => t.opFrames('w-1').length > 1, 5_000)).toBe(true)
      const frames = t.opFrames('w-1')
      expect(frames.map((m) => m.id)).toEqual([a, a])
      const resent = frames[1]!
      expect(resent.data).not.toHaveProperty('value') // the merge gave `value` to the remote side
      expect(resent.data).toMatchObject({ id: 'w-1', unit: '%', baseVersion: 2 })

      const ack = server.apply(resent) // the server applies what it received
      await t.deliver(t.ack(a, ack, 2))
      expect(server.value('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 50, unit: '%' })
      expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 3, view: server.value('w-1') })
      expect(t.ops()).toEqual([])
      expect(t.index()).toEqual([])
      expect(t.optimistic().rollbacks).toEqual([])
    })
  }

  it('an op whose every field the remote took ("merged away") is removed with a conflict rollback and never sent', async () => {
    const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
    const t = await openStore(mergeOptions(), server)
    const p = t.mutate('renameWidget', { id: 'w-1', title: 'Load' }) // on the wire
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 }) // queued behind P
    expect(t.opFrames('w-1').map((m) => m.id)).toEqual([p])

    await t.deliver(server.remote('w-1', { value: 50 })) // v2 takes `value`: A changes nothing any more
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 50 })
    expect(t.ops().map((op) => op.opId)).toEqual([p])
    expect(t.optimistic().rollbacks).toMatchObject([{ opId: a, reason: { code: 'conflict' } }])
    expect(t.optimistic().rollbacks[0]!.reason.message).toMatch(/merged away/i)

    const ack = server.apply(t.opFrames('w-1')[0]!) // applied on v2 (stale bases are not refused)
    await t.deliver(t.ack(p, ack, 1), server.broadcast('w-1', p))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(t.opFrames().map((m) => m.id)).toEqual([p])
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 3, view: server.value('w-1') })
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 50 })
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
  })
})
