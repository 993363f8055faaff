import { describe, expect, it } from 'vitest'
import { useServerFixture } from './support/serverFixture'
import { createBroadcastBatcher } from '../../examples/server/broadcastBatcher'
import type { TestClient } from '../../examples/server/testClient'
import type { WireMessage } from '../../examples/server/types'

const { start, connect } = useServerFixture()

/** Replies on one socket go out in order, after the broadcasts held for it: once this ECHO is back, they are here. */
const settle = (client: TestClient) => client.request('ECHO', 'settle')

const shape = (frames: WireMessage[]) =>
  frames.filter((f) => f.replyTo === undefined).map((f) => (f.type === 'BATCH' ? `BATCH(${(f.data as unknown[]).length})` : f.type))

describe('reference server: broadcasts coalesced per tick (broadcastBatch)', () => {
  it('broadcasts of one macrotask reach each client as one BATCH frame, elements in seq order; a lone one as itself', async () => {
    const server = await start()
    const a = await connect(server)
    const b = await connect(server)
    const first = server.broadcast('NOTE', { n: 1 })
    server.broadcast('NOTE', { n: 2 })
    server.broadcast('NOTE', { n: 3 })
    await Promise.all([settle(a), settle(b)])
    server.broadcast('NOTE', { n: 4 })
    await Promise.all([settle(a), settle(b)])
    for (const client of [a, b]) {
      expect(shape(client.frames)).toEqual(['BATCH(3)', 'NOTE'])
      const notes = client.messages.filter((m) => m.type === 'NOTE')
      expect(notes.map((m) => [(m.data as { n: number }).n, m.seq])).toEqual([
        [1, first],
        [2, first + 1],
        [3, first + 2],
        [4, first + 3],
      ])
    }
  })

  it('maxFrames bounds a BATCH: 5 broadcasts with maxFrames 2 are BATCH(2), BATCH(2), then the last alone', async () => {
    const server = await start({ broadcastBatch: { maxFrames: 2 } })
    const client = await connect(server)
    for (let n = 0; n < 5; n++) server.broadcast('NOTE', { n })
    await settle(client)
    expect(shape(client.frames)).toEqual(['BATCH(2)', 'BATCH(2)', 'NOTE'])
    expect(client.messages.filter((m) => m.type === 'NOTE').map((m) => (m.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4])
  })

  it('broadcastBatch: false sends every broadcast as a frame of its own', async () => {
    const server = await start({ broadcastBatch: false })
    const client = await connect(server)
    for (let n = 0; n < 3; n++) server.broadcast('NOTE', { n })
    await settle(client)
    expect(shape(client.frames)).toEqual(['NOTE', 'NOTE', 'NOTE'])
  })

  it('an op ACK reaches its sender before the broadcast of the op, also for ops sent together', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }, { id: 'w-2', value: 0 }] })
    const sender = await connect(server)
    const other = await connect(server)
    sender.send({
      type: 'BATCH',
      data: [
        { type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 1 } },
        { type: 'WIDGET_UPDATE', id: 'op-2', data: { id: 'w-2', value: 2 } },
        { type: 'WIDGET_UPDATE', id: 'op-3', data: { id: 'w-1', value: 3 } },
      ],
    })
    await settle(sender)
    await settle(other)
    for (const opId of ['op-1', 'op-2', 'op-3']) {
      const ack = sender.messages.findIndex((m) => m.type === 'ACK' && m.replyTo === opId)
      const broadcast = sender.messages.findIndex((m) => m.type === 'WIDGET_UPDATE' && (m.data as { opId?: string }).opId === opId)
      expect(ack).toBeGreaterThanOrEqual(0)
      expect(broadcast).toBeGreaterThan(ack)
    }
    // Whoever sent nothing gets the three broadcasts in one BATCH, in seq order.
    expect(shape(other.frames)).toEqual(['BATCH(3)'])
    const seqs = other.messages.filter((m) => m.type === 'WIDGET_UPDATE').map((m) => m.seq!)
    expect(seqs).toEqual([seqs[0]!, seqs[0]! + 1, seqs[0]! + 2])
  })

  it('delayMs collects across ticks; raw frames sent meanwhile push what is held out first', async () => {
    const server = await start({ broadcastBatch: { delayMs: 30 } })
    const client = await connect(server)
    server.broadcast('NOTE', { n: 1 })
    await new Promise((resolve) => setImmediate(resolve))
    server.broadcast('NOTE', { n: 2 })
    await client.next((m) => (m.data as { n?: number } | undefined)?.n === 2)
    expect(shape(client.frames)).toEqual(['BATCH(2)'])
    server.broadcast('NOTE', { n: 3 })
    server.sendRaw('{"type":"RAW"}')
    await client.next((m) => m.type === 'RAW')
    expect(shape(client.frames)).toEqual(['BATCH(2)', 'NOTE', 'RAW'])
  })

  it('rejects bad options with a message naming them', () => {
    expect(() => createBroadcastBatcher({ maxFrames: 0 })).toThrow(/broadcastBatch.*maxFrames must be an integer >= 1, got 0/)
    expect(() => createBroadcastBatcher({ delayMs: -1 })).toThrow(/delayMs must be a finite number >= 0/)
    expect(() => createBroadcastBatcher({ maxBytes: Number.NaN })).toThrow(/maxBytes/)
  })
})
