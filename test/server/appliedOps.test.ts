import { describe, it, expect } from 'vitest'
import { replyTo, useServerFixture } from './support/serverFixture'
import { ANSWERED_IDS_CAPACITY } from '../../examples/server/createServer'
import type { TestClient } from '../../examples/server/testClient'
import type { WireMessage } from '../../examples/server/types'

const { start, connect } = useServerFixture()

/** Replies on one socket go out in order: once this ECHO is back, everything sent before it was answered. */
const settle = (client: TestClient) => client.request('ECHO', 'settle')

const update = (id: string, value: number): WireMessage => ({ type: 'WIDGET_UPDATE', id, data: { id: 'w-1', value } })

describe('reference server: applied-op accounting', () => {
  it('counts each application once: replays answered from the answered ids do not count', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const client = await connect(server)
    expect(server.appliedCount('op-1')).toBe(0)
    expect(server.appliedOps()).toEqual([])

    client.send(update('op-1', 1))
    client.send(update('op-2', 2))
    client.send(update('op-1', 1)) // a replay: the stored ACK, nothing applied
    client.send({ type: 'NOTE', id: 'op-3', data: 1 }) // a generic op is applied too (its ACK is generic)
    await settle(client)
    client.send(update('op-1', 1))
    await settle(client)

    expect(server.appliedCount('op-1')).toBe(1)
    expect(server.appliedCount('op-2')).toBe(1)
    expect(server.appliedCount('op-3')).toBe(1)
    expect(server.appliedOps()).toEqual(['op-1', 'op-2', 'op-3'])
    expect(server.received.filter((m) => m.id === 'op-1').map((m) => m.duplicate)).toEqual([undefined, true, true])
    expect(server.widget('w-1')).toMatchObject({ value: 2, version: 3 })
    // A copy: the caller cannot rewrite the record.
    server.appliedOps().push('forged')
    expect(server.appliedOps()).toHaveLength(3)
  })

  it('does not count refused ops; a retry applied after a refusal counts once', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }], faults: { nackRetryable: true } })
    const client = await connect(server)
    client.send(update('op-1', 1))
    expect(await client.next(replyTo('op-1'))).toMatchObject({ type: 'NACK' })
    client.send({ type: 'WIDGET_DELETE', id: 'op-2', data: { id: 'nope' } })
    await settle(client)
    expect(server.appliedCount('op-1')).toBe(0)

    server.faults.nackRetryable = false
    client.send(update('op-1', 1))
    expect(await client.next(replyTo('op-1'))).toMatchObject({ type: 'ACK' })
    // A delete of a widget that never existed throws in apply: a NACK, not an application.
    client.send({ type: 'WIDGET_DELETE', id: 'op-2', data: { id: 'nope' } })
    expect(await client.next(replyTo('op-2'))).toMatchObject({ type: 'NACK' })
    expect(server.appliedOps()).toEqual(['op-1'])
    expect(server.appliedCount('op-2')).toBe(0)
  })

  it('counts ops applied while dropAcks hides their ACK, and not their replays', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }], faults: { dropAcks: true } })
    const client = await connect(server)
    client.send(update('op-1', 5))
    client.send(update('op-1', 5))
    await settle(client)
    server.faults.dropAcks = false
    client.send(update('op-1', 5))
    expect(await client.next(replyTo('op-1'))).toMatchObject({ type: 'ACK', data: { version: 2 } })
    expect(server.appliedCount('op-1')).toBe(1)
  })
})

describe('reference server: how long op ids are remembered', () => {
  it(`recognizes a replay after ${ANSWERED_IDS_CAPACITY - 1} other ops were applied (ANSWERED_IDS_CAPACITY)`, async () => {
    // 10,000 ops at once on one socket, in one BATCH: far over the default limits, on purpose.
    const server = await start({ limits: { rateLimit: false, maxBatchMessages: Infinity } })
    const client = await connect(server)
    client.send({ type: 'NOTE', id: 'mine', data: 0 })
    await settle(client)
    // The rest of the world keeps working while this client is away: fill the table up to its capacity.
    const others = Array.from({ length: ANSWERED_IDS_CAPACITY - 1 }, (_, i) => ({ type: 'NOTE', id: `other-${i}`, data: i }))
    server.faults.dropAcks = true // 9,999 ACKs this client does not need
    client.send({ type: 'BATCH', data: others })
    await settle(client)
    server.faults.dropAcks = false
    expect(server.appliedOps()).toHaveLength(ANSWERED_IDS_CAPACITY)

    client.send({ type: 'NOTE', id: 'mine', data: 0 })
    await settle(client)
    expect(server.received.at(-2)).toEqual({ type: 'NOTE', id: 'mine', data: 0, duplicate: true })
    expect(server.appliedCount('mine')).toBe(1)
  })

  it('forgets by count, oldest first: answeredIdsCapacity bounds the table', async () => {
    const server = await start({ answeredIdsCapacity: 3 })
    const client = await connect(server)
    for (const id of ['a', 'b', 'c']) client.send({ type: 'NOTE', id })
    client.send({ type: 'NOTE', id: 'a' }) // still remembered
    await settle(client)
    expect(server.appliedCount('a')).toBe(1)
    client.send({ type: 'NOTE', id: 'd' }) // pushes 'a' out
    client.send({ type: 'NOTE', id: 'a' })
    await settle(client)
    expect(server.appliedCount('a')).toBe(2)
    expect(server.appliedOps()).toEqual(['a', 'b', 'c', 'd', 'a'])
  })

  it('maxAppliedOps bounds the accounting, oldest first', async () => {
    const server = await start({ maxAppliedOps: 2 })
    const client = await connect(server)
    for (const id of ['a', 'b', 'c']) client.send({ type: 'NOTE', id })
    await settle(client)
    expect(server.appliedOps()).toEqual(['b', 'c'])
    expect(server.appliedCount('a')).toBe(0)
    expect(server.appliedCount('c')).toBe(1)
  })
})
