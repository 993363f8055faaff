/**
 * Issue 6, bug 1: an ACK without a value must never move `version` past updates still held in the
 * batch window (or not received yet): invariant 0 in every BATCH_MODE.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket, openStore, WidgetServer, type Options } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const cpu = () => new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })

describe('bug 1: an ACK without a value + batching', () => {
  it('window mode: v2 held in the window, ACK v3 without value, then the echo at v3: the client ends where the server is', async () => {
    const server = cpu()
    const t = await openStore({}, server) // default BATCH_MODE 'window', BATCH_DELAY 200
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    const [frame] = t.opFrames('w-1')
    expect(frame!.id).toBe(a)

    const v2 = server.remote('w-1', { title: 'CPU %' }) // another user's change, waits in the batch window
    const ackData = server.apply(frame!) // v3 = { title: 'CPU %', value: 10 }
    await t.deliver(v2, t.ack(a, { key: 'w-1', version: ackData.version })) // no value
    // v2 is still in the window: the version cannot be 3 yet (v2 would then be dropped as old).
    expect(t.record('w-1')!.version).toBeLessThanOrEqual(2)
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 10 })

    await vi.advanceTimersByTimeAsync(200) // the window passes: v2 lands beneath the acked op
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU %', value: 10 })
    expect(t.record('w-1')!.version).toBeLessThanOrEqual(2)
    expect(t.optimistic().conflicts).toEqual([])

    await t.deliver(server.broadcast('w-1', a)) // the server's echo of A at v3
    await vi.advanceTimersByTimeAsync(200)
    expect(server.value('w-1')).toEqual({ id: 'w-1', title: 'CPU %', value: 10 })
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 3, view: server.value('w-1') })
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.optimistic().conflicts).toEqual([])
    expect(t.optimistic().rollbacks).toEqual([])
  })

  it('window mode, the echo never comes: the view shows the remote title and the acked value; the op is never resent or rolled back', async () => {
    const server = cpu()
    const t = await openStore({ config: { optimistic: { TIMEOUT: 1000 } } } as Options, server)
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    const [frame] = t.opFrames('w-1')
    const v2 = server.remote('w-1', { title: 'CPU %' })
    const ackData = server.apply(frame!)
    await t.deliver(v2, t.ack(a, { key: 'w-1', version: ackData.version }))
    expect(t.record('w-1')!.version).toBeLessThanOrEqual(2)

    await vi.advanceTimersByTimeAsync(200)
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU %', value: 10 })
    expect(t.record('w-1')!.version).toBeLessThanOrEqual(2)

    // Acked: never sent again, never timed out, keeps its effect (spec: status 'acked', ackedVersion 3).
    await vi.advanceTimersByTimeAsync(5 * 60_000)
    expect(t.opFrames('w-1').map((m) => m.id)).toEqual([a])
    expect(t.optimistic().rollbacks).toEqual([])
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU %', value: 10 })
    expect(t.record('w-1')!.version).toBeLessThanOrEqual(2)
    expect(t.ops().map((op) => [op.opId, op.status, (op as { ackedVersion?: number }).ackedVersion])).toEqual([[a, 'acked', 3]])
  })

  it("BATCH_MODE 'off', the issue's order (v2 before the ACK): converges, and no false rollback record", async () => {
    const server = cpu()
    const t = await openStore({ config: { updates: { BATCH_MODE: 'off' } } } as Options, server)
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    const [frame] = t.opFrames('w-1')
    const v2 = server.remote('w-1', { title: 'CPU %' })
    const ackData = server.apply(frame!)
    await t.deliver(v2, t.ack(a, { key: 'w-1', version: ackData.version }), server.broadcast('w-1', a))
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 3, view: server.value('w-1') })
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    // v2 landed while A was on the wire: one conflict (REMOTE_WINS) rolled A back in doubt, but
    // the server applied it (ACK v3), so its record must say so (see bug 2).
    expect(t.optimistic().conflicts).toHaveLength(1)
    expect(t.optimistic().rollbacks.map((r) => [r.opId, r.reason.code, r.appliedAfterAll])).toEqual([[a, 'conflict', true]])
  })

  it("BATCH_MODE 'off', the ACK v3 overtakes the v2 broadcast (not received yet): converges", async () => {
    const server = cpu()
    const t = await openStore({ config: { updates: { BATCH_MODE: 'off' } } } as Options, server)
    const a = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    const [frame] = t.opFrames('w-1')
    const v2 = server.remote('w-1', { title: 'CPU %' })
    const ackData = server.apply(frame!)
    await t.deliver(t.ack(a, { key: 'w-1', version: ackData.version }))
    expect(t.record('w-1')!.version).toBeLessThanOrEqual(2)
    await t.deliver(v2)
    expect(t.view('w-1')).toEqual({ id: 'w-1', title: 'CPU %', value: 10 })
    await t.deliver(server.broadcast('w-1', a))
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 3, view: server.value('w-1') })
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.optimistic().conflicts).toEqual([])
  })
})
