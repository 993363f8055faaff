import { describe, expect, it } from 'vitest'
import { connectTestClient, type TestClient, type WireMessage } from '../../examples/server'
import { SEED, useRedisInstances } from './support/redisInstances'
import { redisServerInstalled } from './support/redisServer'

/**
 * The widget caps and the generic ACK on Redis (issue 9): `limits.maxWidgets` and
 * `limits.maxStateBytes` hold across instances racing to them, since the apply script checks
 * them with the change; an op of a type without an entity kind is answered once for all
 * instances. Real `redis-server`, raw sockets (one per instance).
 */

/** Sends `ops` as one BATCH frame and resolves with the answer to each, by op id. */
async function sendBatch(client: TestClient, ops: WireMessage[]): Promise<Map<string, WireMessage>> {
  client.send({ type: 'BATCH', data: ops })
  const answers = await Promise.all(ops.map((op) => client.next((message) => message.replyTo === op.id, 5_000)))
  return new Map(answers.map((answer) => [answer.replyTo!, answer]))
}

const create = (id: string, fields: Record<string, unknown> = {}): WireMessage => ({ type: 'WIDGET_CREATE', id: `op-${id}`, data: { id, ...fields } })

describe.skipIf(!redisServerInstalled && !process.env.CI)('widget caps and generic ACKs on Redis', () => {
  const redis = useRedisInstances()

  it('two instances racing to limits.maxWidgets: exactly the cap is reached, the others are refused naming it and change nothing', async () => {
    const maxWidgets = SEED.length + 3
    const servers = await redis.start(2, { limits: { maxWidgets } })
    const clients = await Promise.all(servers.map((server) => connectTestClient(server.url)))
    const batches = clients.map((_, c) => Array.from({ length: 6 }, (_, i) => create(`c${c}-${i}`)))
    const answers = new Map([...(await Promise.all(clients.map((client, c) => sendBatch(client, batches[c]!))))].flatMap((map) => [...map]))

    const acked = [...answers.values()].filter((answer) => answer.type === 'ACK')
    const nacked = [...answers.values()].filter((answer) => answer.type === 'NACK')
    expect(acked).toHaveLength(3)
    expect(nacked).toHaveLength(9)
    for (const nack of nacked) {
      expect(nack.data).toEqual({ reason: expect.stringMatching(/over the limit of 5 \(limits\.maxWidgets\)$/), retryable: false })
    }
    const state = await redis.state()
    const createdIds = acked.map((ack) => (ack.data as { key: string }).key).sort()
    expect(state.widgets.map((widget) => widget.id).sort()).toEqual([...SEED.map((widget) => widget.id), ...createdIds].sort())
    // One broadcast per created widget, none for a refusal; no version for a refused id.
    expect(state.broadcasts.map((frame) => (frame.data as { id: string }).id).sort()).toEqual(createdIds)
    const store = await redis.openStore()
    try {
      const versions = await store.redis.hgetall(`${redis.prefix()}versions`)
      expect(Object.keys(versions).sort()).toEqual(state.widgets.map((widget) => widget.id).sort())
      // A refused op's id is not answered: a retry once there is room goes through.
      const refused = nacked[0]!.replyTo!
      expect(await store.storedAck(refused)).toBeUndefined()
    } finally {
      await store.close()
    }
    await Promise.all(clients.map((client) => client.close()))
  })

  it('two instances racing to limits.maxStateBytes: the byte total never passes it, and a deletion makes room', async () => {
    const pad = 'x'.repeat(100)
    const seedBytes = SEED.reduce((sum, widget) => sum + Buffer.byteLength(JSON.stringify(widget)), 0)
    const oneBytes = Buffer.byteLength(JSON.stringify({ pad, id: 'c0-0' }))
    const maxStateBytes = seedBytes + 4 * oneBytes + 10
    const servers = await redis.start(2, { limits: { maxStateBytes } })
    const clients = await Promise.all(servers.map((server) => connectTestClient(server.url)))
    const batches = clients.map((_, c) => Array.from({ length: 5 }, (_, i) => create(`c${c}-${i}`, { pad })))
    const answers = [...(await Promise.all(clients.map((client, c) => sendBatch(client, batches[c]!))))].flatMap((map) => [...map.values()])

    const nacked = answers.filter((answer) => answer.type === 'NACK')
    expect(answers.filter((answer) => answer.type === 'ACK')).toHaveLength(4)
    expect(nacked).toHaveLength(6)
    for (const nack of nacked) {
      expect(nack.data).toEqual({ reason: expect.stringMatching(new RegExp(`over the limit of ${maxStateBytes} \\(limits\\.maxStateBytes\\)$`)), retryable: false })
    }
    // The running total is the JSON bytes of the live widgets, and within the cap.
    let state = await redis.state()
    const actual = async () => {
      const store = await redis.openStore()
      try {
        const entities = await store.redis.hvals(`${redis.prefix()}widgets`)
        return entities.reduce((sum, json) => sum + Buffer.byteLength(json), 0)
      } finally {
        await store.close()
      }
    }
    expect(state.bytes).toBe(await actual())
    expect(state.bytes).toBeLessThanOrEqual(maxStateBytes)
    expect(state.widgets).toHaveLength(SEED.length + 4)

    // Deleting one (on the other instance) makes room for a refused one.
    const victim = state.widgets.find((widget) => widget.id.startsWith('c'))!.id
    const [deleted] = [...(await sendBatch(clients[1]!, [{ type: 'WIDGET_DELETE', id: 'op-delete', data: { id: victim } }])).values()]
    expect(deleted!.type).toBe('ACK')
    const retryId = nacked[0]!.replyTo!
    const retried = await sendBatch(clients[0]!, [{ type: 'WIDGET_CREATE', id: retryId, data: { id: retryId.slice(3), pad } }])
    expect(retried.get(retryId)!.type).toBe('ACK')
    state = await redis.state()
    expect(state.bytes).toBe(await actual())
    expect(state.bytes).toBeLessThanOrEqual(maxStateBytes)
    await Promise.all(clients.map((client) => client.close()))
  })

  it('an op of a type without an entity kind: its generic ACK is stored in Redis with a TTL, and a replay on another instance gets it and applies nothing', async () => {
    const answeredTtlMs = 60_000
    const servers = await redis.start([{ redis: { answeredTtlMs } }, { redis: { answeredTtlMs } }])
    const [first, second] = await Promise.all(servers.map((server) => connectTestClient(server.url)))
    const op = { type: 'NOTE', id: 'note-1', data: { text: 'hello' } }
    first!.send(op)
    const ack = await first!.next((message) => message.replyTo === 'note-1')
    expect(ack).toEqual({ type: 'ACK', replyTo: 'note-1', data: { received: true } })
    second!.send(op)
    expect(await second!.next((message) => message.replyTo === 'note-1')).toEqual(ack)
    first!.send(op)
    expect(await first!.next((message) => message.replyTo === 'note-1')).toEqual(ack)

    expect(servers[0]!.appliedCount('note-1')).toBe(1)
    expect(servers[1]!.appliedCount('note-1')).toBe(0)
    const store = await redis.openStore()
    try {
      expect(await store.storedAck('note-1')).toEqual(ack)
      const ttl = await store.redis.pttl(`${redis.prefix()}ack:note-1`)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(answeredTtlMs)
    } finally {
      await store.close()
    }
    // Nothing was broadcast for it.
    expect((await redis.state()).broadcasts).toEqual([])
    await Promise.all([first!.close(), second!.close()])
  })
})
