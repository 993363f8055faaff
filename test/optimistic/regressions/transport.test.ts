/**
 * Issue 6, bug 3: with `outbound.onUpdate`, a socket close must not strand the ops handed to the
 * user's transport: they stay `sent` and time out / retry like any other delivery (one delivery
 * lifecycle for every transport).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { advanceUntil, endOfTurn, FakeWebSocket, openStore, WidgetServer, type Frame, type Options } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const TEN_MINUTES = 10 * 60_000

/** A store whose ops go to an `onUpdate` that records each batch and answers nothing. */
async function onUpdateStore() {
  const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
  const batches: Frame[][] = []
  const t = await openStore({ outbound: { onUpdate: (batch: Frame[]) => void batches.push(batch) } } as Options, server)
  const delivered = () => batches.flat()
  return { ...t, server, delivered }
}

describe('bug 3: outbound.onUpdate and a socket close', () => {
  it('the socket closes and reconnects: the op is delivered again via onUpdate (same opId), and an ACK over the socket confirms it', async () => {
    const t = await onUpdateStore()
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    await vi.advanceTimersByTimeAsync(200) // the outbound window
    expect(t.delivered().map((m) => m.id)).toEqual([a])
    expect(t.ops()[0]!.status).toBe('sent')

    t.socket.serverClose(1006)
    expect(await advanceUntil(() => FakeWebSocket.instances.length > 1, 60_000)).toBe(true)
    const next = FakeWebSocket.last
    next.acceptOpen()
    await endOfTurn()

    await advanceUntil(() => t.delivered().length > 1, TEN_MINUTES, 1000)
    expect(t.delivered().map((m) => m.id), 'delivered again via onUpdate within 10 minutes').toEqual([a, a])
    expect(t.ops().map((op) => op.status)).not.toContain('queued')

    const ack = t.server.apply(t.delivered()[1]!)
    next.deliver({ type: 'ACK', replyTo: a, attempt: 2, data: ack })
    await endOfTurn()
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.optimistic().rollbacks).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: t.server.value('w-1'), version: 2, view: t.server.value('w-1') })
  })

  it('the socket closes and never comes back: the op is delivered again via onUpdate, then rolled back retries_exhausted (never stuck queued)', async () => {
    const t = await onUpdateStore()
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    await vi.advanceTimersByTimeAsync(200)
    expect(t.delivered().map((m) => m.id)).toEqual([a])

    t.socket.serverClose(1006) // reconnect attempts are never accepted
    await vi.advanceTimersByTimeAsync(TEN_MINUTES)
    // 1 + backgroundSync.MAX_RETRIES (3) deliveries, each unanswered for optimistic.TIMEOUT.
    expect(t.delivered().map((m) => m.id), 'deliveries via onUpdate in 10 minutes').toEqual([a, a, a, a])
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.optimistic().rollbacks).toMatchObject([{ opId: a, reason: { code: 'retries_exhausted', inDoubt: true } }])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 1 })
  })
})
