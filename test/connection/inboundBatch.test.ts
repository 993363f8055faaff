import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

/**
 * Inbound `BATCH` frames through the real path (FakeWebSocket -> codec -> unpacking -> the same
 * chain as a standalone frame -> reducers): each element is handled like a frame of its own.
 */

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const update = (id: string, value: number, version: number, seq?: number, opId?: string) => ({
  type: 'WIDGET_UPDATE',
  data: { id, value, version, ...(opId ? { opId } : {}) },
  ...(seq === undefined ? {} : { seq }),
})

async function settle(ms = 0) {
  await endOfTurn()
  await vi.advanceTimersByTimeAsync(ms)
}

/** A store whose initial SYNC was answered with w-1 at version 1 and seq 5. */
async function synced(updates: Record<string, unknown> = {}) {
  const t = createWidgetStore({ config: { updates, websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } } } as never)
  await settle()
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  await settle()
  const sync = socket.syncRequests[0]!
  socket.deliver({ type: 'SYNC', replyTo: sync.id, data: { snapshot: true, seq: 5, messages: [update('w-1', 1, 1)] } })
  await settle()
  const of = (type: string) => t.seen.filter((a) => a.type === type) as unknown as { payload: any }[]
  const rejected = () => of('realtime/connection/messageRejected').map((a) => a.payload)
  return { ...t, socket, of, rejected }
}

describe('inbound BATCH frames', () => {
  it('updates, an ACK and an unknown type in one BATCH: each handled as a standalone frame, in order', async () => {
    const t = await synced()
    const { opId } = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })).payload
    await settle()
    expect(t.ops()).toHaveLength(1)
    const from = t.seen.length
    t.socket.deliver({
      type: 'BATCH',
      data: [
        { type: 'ACK', replyTo: opId, data: { key: 'w-1', version: 2, value: { id: 'w-1', value: 5 } } },
        update('w-1', 5, 2, 6, opId),
        { type: 'NOTE', data: { n: 1 }, seq: 7 },
        update('w-2', 9, 1, 8),
      ],
    })
    await settle()
    expect(t.ops()).toHaveLength(0)
    expect(t.record('w-1')).toMatchObject({ version: 2, confirmed: { id: 'w-1', value: 5 } })
    expect(t.view('w-2')).toEqual({ id: 'w-2', value: 9 })
    const notes = t.of('realtime/connection/messageReceived').map((a) => a.payload)
    expect(notes).toEqual([{ type: 'NOTE', data: { n: 1 }, seq: 7 }])
    // The NOTE was dispatched as it was unpacked; the entity updates went to the batcher.
    const types = t.seen.slice(from).map((a) => a.type)
    expect(types.indexOf('realtime/connection/messageReceived')).toBeLessThan(types.indexOf('realtime/collections/entitiesUpdated'))
    expect(t.rejected()).toEqual([])
    // Each element counts as an inbound message; the frames are contiguous (5 -> 8): no resync.
    expect(t.socket.syncRequests).toHaveLength(1)
  })

  it('a malformed element is one messageRejected naming its index; the others still apply', async () => {
    const t = await synced()
    t.socket.deliver({ type: 'BATCH', data: [update('w-1', 2, 2, 6), { type: 5 }, 'junk', update('w-2', 3, 1, 7)] })
    await settle()
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 2 })
    expect(t.view('w-2')).toEqual({ id: 'w-2', value: 3 })
    expect(t.rejected()).toEqual([
      expect.objectContaining({ code: 'invalid_envelope', type: 'BATCH', reason: expect.stringMatching(/element 1 rejected: "type" must be a non-empty string/) }),
      expect.objectContaining({ code: 'invalid_envelope', type: 'BATCH', reason: expect.stringMatching(/element 2 rejected: frame must be a JSON object \(got string\)/) }),
    ])
  })

  it('an element is held to the rules of a frame: unknown top-level keys are dropped, forbidden keys stripped at any depth', async () => {
    const t = await synced()
    t.socket.deliver(
      '{"type":"BATCH","data":[{"type":"NOTE","extra":1,"data":{"a":{"__proto__":{"polluted":true},"b":2}}}]}',
    )
    await settle()
    const [note] = t.of('realtime/connection/messageReceived').map((a) => a.payload)
    expect(note).toEqual({ type: 'NOTE', data: { a: { b: 2 } } })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(t.rejected()).toEqual([expect.objectContaining({ code: 'forbidden_key', type: 'BATCH' })])
  })

  it('a BATCH nested in a BATCH is rejected as a whole: nothing of it applies', async () => {
    const t = await synced()
    t.socket.deliver({ type: 'BATCH', data: [update('w-1', 2, 2, 6), { type: 'BATCH', data: [update('w-2', 1, 1, 7)] }] })
    await settle(1000)
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 1 })
    expect(t.view('w-2')).toBeUndefined()
    expect(t.rejected()).toEqual([expect.objectContaining({ code: 'invalid_envelope', type: 'BATCH', reason: expect.stringMatching(/element 1 is a BATCH/) })])
  })

  it('a BATCH whose data is not an array is rejected as a whole', async () => {
    const t = await synced()
    t.socket.deliver({ type: 'BATCH', data: { 0: update('w-1', 2, 2, 6) } })
    t.socket.deliver({ type: 'BATCH' })
    await settle(1000)
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 1 })
    expect(t.rejected().map((r) => r.reason)).toEqual([
      expect.stringMatching(/"BATCH" data must be an array of frames \(got object\)/),
      expect.stringMatching(/"BATCH" data must be an array of frames \(got undefined\)/),
    ])
  })

  it('a seq gap inside a BATCH (6, 7, 9) triggers a resync from the last contiguous seq', async () => {
    const t = await synced({ BATCH_MODE: 'off' })
    await settle(2000)
    t.socket.deliver({ type: 'BATCH', data: [update('a', 1, 1, 6), update('b', 1, 1, 7), update('c', 1, 1, 9)] })
    await settle()
    expect(t.of('realtime/sync/staleMarked').map((a) => a.payload.reason)).toEqual(['seq_gap'])
    expect(t.socket.syncRequests.at(-1)!.data).toEqual({ since: 7 })
    // The elements around the hole are still applied.
    expect(t.view('c')).toEqual({ id: 'c', value: 1 })
  })

  it('a BATCH counts once against MAX_FRAME_BYTES: too large as a whole is one frame_too_large, nothing applied', async () => {
    const elements = Array.from({ length: 20 }, (_, i) => update(`w-${i}`, i, 1, 6 + i))
    const size = JSON.stringify({ type: 'BATCH', data: elements }).length
    // Each element alone is far below the limit; the BATCH is not.
    const limited = createWidgetStore({ config: { websocket: { MAX_FRAME_BYTES: size - 1, HEARTBEAT_INTERVAL: 0 } } } as never)
    await settle()
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    await settle()
    socket.deliver({ type: 'BATCH', data: elements })
    await settle(1000)
    const rejected = limited.seen.filter((a) => a.type === 'realtime/connection/messageRejected').map((a) => (a as any).payload)
    expect(rejected).toEqual([expect.objectContaining({ code: 'frame_too_large' })])
    expect(limited.view('w-3')).toBeUndefined()
  })
})
