/**
 * Issue 6, bug 5: an answer to an earlier delivery of an op. A NACK of delivery 1 must not undo
 * what delivery 2 got applied; without the `attempt` echo, the late ACK still reaches the record.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { advanceUntil, FakeWebSocket, openStore, WidgetServer, type Options } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

/** w-1 at v1; op A (value 10) sent, unanswered, timed out and sent again (delivery 2). */
async function resentOnce() {
  const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
  const t = await openStore({ config: { updates: { BATCH_MODE: 'off' }, optimistic: { TIMEOUT: 1000 } } } as Options, server)
  const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
  expect(await advanceUntil(() => t.opFrames('w-1').length === 2, 5_000)).toBe(true)
  expect(t.opFrames('w-1').map((m) => m.id)).toEqual([a, a])
  return { ...t, server, a }
}

describe('bug 5: a late NACK of an earlier delivery', () => {
  it('NACK of delivery 1 (attempt echoed) then ACK of delivery 2: the op is confirmed, no rollback, the record at v2', async () => {
    const t = await resentOnce()
    await t.deliver(t.nack(t.a, 'rejected on delivery 1', false, 1))
    // A later delivery is outstanding: its answer decides.
    expect(t.optimistic().rollbacks).toEqual([])
    expect(t.ops().map((op) => op.opId)).toEqual([t.a])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 10 })

    const ack = t.server.apply(t.opFrames('w-1')[1]!)
    await t.deliver(t.ack(t.a, ack, 2))
    expect(t.received()).toEqual([])
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.optimistic().rollbacks).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: t.server.value('w-1'), version: 2, view: t.server.value('w-1') })
  })

  it('without the attempt echo: the NACK rolls it back (rejected), the late ACK lands: record at v2 with the server value, rollback record appliedAfterAll', async () => {
    const t = await resentOnce()
    await t.deliver(t.nack(t.a, 'rejected on delivery 1', false))
    expect(t.optimistic().rollbacks).toMatchObject([{ opId: t.a, reason: { code: 'rejected', serverReason: 'rejected on delivery 1' } }])
    expect(t.ops()).toEqual([])

    const ack = t.server.apply(t.opFrames('w-1')[1]!)
    await t.deliver(t.ack(t.a, ack))
    expect(t.received(), 'the late ACK is no generic messageReceived').toEqual([])
    expect(t.rejections()).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: t.server.value('w-1'), version: 2, view: t.server.value('w-1') })
    expect(t.optimistic().rollbacks).toHaveLength(1)
    expect((t.optimistic().rollbacks[0] as { appliedAfterAll?: boolean }).appliedAfterAll).toBe(true)
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
  })
})
