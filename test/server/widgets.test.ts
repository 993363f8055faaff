import { describe, it, expect } from 'vitest'
import { replyTo, useServerFixture } from './support/serverFixture'
import { startServer } from '../../examples/server/createServer'
import type { TestClient } from '../../examples/server/testClient'
import type { WireMessage } from '../../examples/server/types'
import { createSyncHandler } from '../../examples/server/handlers'

const { start, connect } = useServerFixture()
const isUpdate = (m: WireMessage) => m.type === 'WIDGET_UPDATE'
/** Replies on one socket go out in order: once this ECHO is back, everything sent before it arrived. */
const settle = async (...cs: TestClient[]): Promise<void> => {
  for (const c of cs) await c.request('ECHO', 'settle')
}
const updatesOf = (c: TestClient) => c.messages.filter(isUpdate)

let ops = 0
function op(type: string, data: Record<string, unknown>, id = `op-${++ops}`): WireMessage & { id: string } {
  return { type, id, data }
}

describe('widget server: versions and ACKs', () => {
  it('starts a widget at version 1 and increases it by exactly 1 per change', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    expect(server.widgets()).toEqual([{ id: 'w-1', value: 0, version: 1 }])
    const client = await connect(server)

    const versions: number[] = []
    for (let value = 1; value <= 3; value++) {
      const m = op('WIDGET_UPDATE', { id: 'w-1', value, baseVersion: value })
      client.send(m)
      versions.push(((await client.next(replyTo(m.id))).data as { version: number }).version)
    }
    expect(versions).toEqual([2, 3, 4])

    // An update of an absent widget creates it at version 1.
    const fresh = op('WIDGET_UPDATE', { id: 'w-new', value: 7, baseVersion: 0 })
    client.send(fresh)
    expect(await client.next(replyTo(fresh.id))).toMatchObject({ data: { key: 'w-new', version: 1 } })
    expect(server.widget('w-new')).toEqual({ id: 'w-new', value: 7, version: 1 })
    expect(server.widget('w-1')).toEqual({ id: 'w-1', value: 3, version: 4 })
  })

  it('ACKs with { key, version, value: the whole entity after the change }, patching fields', async () => {
    const server = await start({ widgets: [{ id: 'w-1', title: 'CPU', value: 0 }] })
    const client = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 42, baseVersion: 1 })
    client.send(m)
    expect(await client.next(replyTo(m.id))).toEqual({
      type: 'ACK',
      replyTo: m.id,
      data: { key: 'w-1', version: 2, value: { id: 'w-1', title: 'CPU', value: 42 } },
    })
  })

  it('WIDGET_CREATE creates at version 1, and on an existing widget acts as an update', async () => {
    const server = await start({ widgets: [{ id: 'w-1', title: 'CPU', value: 0 }] })
    const client = await connect(server)
    const created = op('WIDGET_CREATE', { id: 'w-9', title: 'Disk', value: 5, baseVersion: 0 })
    client.send(created)
    expect((await client.next(replyTo(created.id))).data).toEqual({ key: 'w-9', version: 1, value: { id: 'w-9', title: 'Disk', value: 5 } })
    const again = op('WIDGET_CREATE', { id: 'w-1', value: 9 })
    client.send(again)
    expect((await client.next(replyTo(again.id))).data).toEqual({ key: 'w-1', version: 2, value: { id: 'w-1', title: 'CPU', value: 9 } })
  })

  it('sends the ACK to the sender before the broadcast of the same change', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const client = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 1, baseVersion: 1 })
    client.send(m)
    await settle(client)
    expect(client.messages.map((x) => x.type)).toEqual(['ACK', 'WIDGET_UPDATE', 'ECHO'])
  })

  it('keeps the broadcast behind a delayed ACK (replyDelayMs), for every client', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }], faults: { replyDelayMs: 40 } })
    const sender = await connect(server)
    const other = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 1, baseVersion: 1 })
    const t0 = performance.now()
    sender.send(m)
    await other.next(isUpdate)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35)
    await sender.next(isUpdate)
    expect(sender.messages.map((x) => x.type)).toEqual(['ACK', 'WIDGET_UPDATE'])
    expect(server.widget('w-1')).toMatchObject({ version: 2 }) // applied at once, only the frames wait
  })

  it('NACKs an entity op without a string data.id, and applies nothing', async () => {
    const server = await start()
    const client = await connect(server)
    for (const data of [{ value: 1 }, { id: '' }, { id: 5 }]) {
      const m = op('WIDGET_UPDATE', data)
      client.send(m)
      expect(await client.next(replyTo(m.id))).toEqual({
        type: 'NACK',
        replyTo: m.id,
        data: { reason: 'WIDGET_UPDATE needs data.id, a non-empty string', retryable: false },
      })
    }
    client.send({ type: 'WIDGET_UPDATE', id: 'op-x', data: [1] })
    expect(await client.next(replyTo('op-x'))).toMatchObject({ type: 'NACK' })
    expect(server.widgets()).toEqual([])
    expect(server.seq).toBe(0)
  })

  it('never stores protocol fields on an entity', async () => {
    const server = await start()
    const client = await connect(server)
    client.send('{"type":"WIDGET_UPDATE","id":"op-p","data":{"id":"w-1","value":1,"baseVersion":0,"version":99,"deleted":true,"opId":"x"}}')
    expect((await client.next(replyTo('op-p'))).data).toEqual({ key: 'w-1', version: 1, value: { id: 'w-1', value: 1 } })
    expect(await client.next(isUpdate)).toMatchObject({ data: { id: 'w-1', value: 1, version: 1, opId: 'op-p' } })
  })

  it('refuses an op with a prototype key at any depth: a NACK naming it, nothing stored', async () => {
    const server = await start()
    const client = await connect(server)
    client.send('{"type":"WIDGET_UPDATE","id":"op-p","data":{"id":"w-1","value":1,"__proto__":{"polluted":1}}}')
    expect(await client.next(replyTo('op-p'))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('forbidden key data.__proto__') } })
    client.send('{"type":"WIDGET_UPDATE","id":"op-q","data":{"id":"w-1","deep":[{"a":{"constructor":{"prototype":{"polluted":1}}}}]}}')
    expect(await client.next(replyTo('op-q'))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('forbidden key data.deep.0.a.constructor') } })
    expect(server.widgets()).toEqual([])
    expect(server.seq).toBe(0)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('does not apply an entity message without an op id (nothing to ACK)', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const client = await connect(server)
    client.send({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 5 } })
    await settle(client)
    expect(server.widget('w-1')).toEqual({ id: 'w-1', value: 0, version: 1 })
    expect(server.received[0]).toEqual({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 5 } })
  })
})

describe('widget server: broadcasts', () => {
  it('broadcasts every change to every client, the sender included, with opId and seq', async () => {
    const server = await start({ widgets: [{ id: 'w-1', title: 'CPU', value: 0 }] })
    const a = await connect(server)
    const b = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 3, baseVersion: 1 })
    a.send(m)
    for (const c of [a, b]) {
      const update = await c.next(isUpdate)
      expect(update).toEqual({
        type: 'WIDGET_UPDATE',
        data: { id: 'w-1', title: 'CPU', value: 3, version: 2, opId: m.id },
        seq: 1,
        ts: expect.any(Number),
      })
    }
    const m2 = op('WIDGET_UPDATE', { id: 'w-1', value: 4, baseVersion: 2 })
    b.send(m2)
    for (const c of [a, b]) expect(await c.next(isUpdate)).toMatchObject({ seq: 2, data: { version: 3, opId: m2.id } })
    expect(server.seq).toBe(2)
  })

  it('touch() is a server-side change: version bump, broadcast without opId, returns the version', async () => {
    const server = await start({ widgets: [{ id: 'w-1', title: 'CPU', value: 0 }] })
    const a = await connect(server)
    const b = await connect(server)
    expect(server.touch('w-1', { value: 10 })).toBe(2)
    for (const c of [a, b]) {
      expect(await c.next(isUpdate)).toEqual({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 10, version: 2 }, seq: 1, ts: expect.any(Number) })
    }
    expect(server.touch('w-2', { value: 1 })).toBe(1) // creates
    expect(server.touch('w-2')).toBe(2) // an empty patch still counts as a change
    expect(server.widgets()).toEqual([
      { id: 'w-1', title: 'CPU', value: 10, version: 2 },
      { id: 'w-2', value: 1, version: 2 },
    ])
    expect(() => server.touch('', {})).toThrow(TypeError)
  })

  it('returns copies: mutating what widgets()/widget() or touch() saw does not change the server', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: { nested: 1 } }] })
    const patch = { value: { nested: 2 } }
    server.touch('w-1', patch)
    patch.value.nested = 3
    const seen = server.widget('w-1') as unknown as { value: { nested: number } }
    seen.value.nested = 4
    expect(server.widget('w-1')).toEqual({ id: 'w-1', value: { nested: 2 }, version: 2 })
  })

  it('converges: concurrent ops from two clients on one widget end in the server state, seen by both in seq order', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const a = await connect(server)
    const b = await connect(server)
    for (let i = 1; i <= 20; i++) {
      a.send(op('WIDGET_UPDATE', { id: 'w-1', a: i, baseVersion: 1 }))
      b.send(op('WIDGET_UPDATE', { id: 'w-1', b: i, baseVersion: 1 }))
    }
    await settle(a, b)
    await settle(a, b) // the other client's last broadcast is out too
    const final = server.widget('w-1')
    expect(final).toMatchObject({ a: 20, b: 20, version: 41 })
    for (const c of [a, b]) {
      const updates = updatesOf(c)
      expect(updates.map((u) => u.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
      expect(updates.map((u) => (u.data as { version: number }).version)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2))
      const { opId: _opId, ...last } = updates.at(-1)?.data as Record<string, unknown>
      expect(last).toEqual(final)
    }
  })
})

describe('widget server: exactly once', () => {
  it('answers a replayed opId with the identical ACK, without a version bump or a second broadcast', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const sender = await connect(server)
    const other = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 5, baseVersion: 1 })
    sender.send(m)
    const first = await sender.next(replyTo(m.id))
    server.touch('w-1', { value: 6 }) // a later change: the replay must not undo it
    sender.send(m)
    sender.send({ ...m, data: { id: 'w-1', value: 999, baseVersion: 1 } }) // same key, other payload: still a replay
    expect(await sender.next(replyTo(m.id))).toEqual(first)
    expect(await sender.next(replyTo(m.id))).toEqual(first)
    expect(first.data).toEqual({ key: 'w-1', version: 2, value: { id: 'w-1', value: 5 } })
    await settle(sender, other)
    expect(server.widget('w-1')).toEqual({ id: 'w-1', value: 6, version: 3 })
    expect(server.seq).toBe(2)
    for (const c of [sender, other]) expect(updatesOf(c).map((u) => (u.data as { version: number }).version)).toEqual([2, 3])
    expect(server.received.filter((r) => r.id === m.id).map((r) => r.duplicate)).toEqual([undefined, true, true])
  })

  it('remembers applied op ids across connections', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 5, baseVersion: 1 })
    const first = await connect(server)
    first.send(m)
    const ack = await first.next(replyTo(m.id))
    first.ws.terminate()
    const second = await connect(server)
    second.send(m)
    expect(await second.next(replyTo(m.id))).toEqual(ack)
    expect(server.widget('w-1')?.version).toBe(2)
  })
})

describe('widget server: delivery numbers', () => {
  it('echoes the attempt of the delivery it answers: on the ACK, on the replay of a stored ACK, on a NACK', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const client = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 5, baseVersion: 1 })
    client.send({ ...m, attempt: 1 })
    const first = await client.next(replyTo(m.id))
    expect(first).toEqual({ type: 'ACK', replyTo: m.id, attempt: 1, data: { key: 'w-1', version: 2, value: { id: 'w-1', value: 5 } } })
    // The replay of an applied op gets the stored ACK, answering the delivery that asked.
    client.send({ ...m, attempt: 3 })
    expect(await client.next(replyTo(m.id))).toEqual({ ...first, attempt: 3 })
    // Without a number, the answer has none (the frames of older clients stay as they were).
    client.send(m)
    expect(await client.next(replyTo(m.id))).toEqual({ type: 'ACK', replyTo: m.id, data: first.data })
    server.faults.nackAll = true
    const refused = op('WIDGET_UPDATE', { id: 'w-1', value: 6, baseVersion: 2 })
    client.send({ ...refused, attempt: 2 })
    expect(await client.next(replyTo(refused.id))).toMatchObject({ type: 'NACK', attempt: 2, data: { retryable: false } })
    expect(server.widget('w-1')?.version).toBe(2)
  })
})

describe('widget server: NACK knobs', () => {
  it('nackAll NACKs non-retryable, nackRetryable NACKs retryable; nothing is applied, and a retry later succeeds', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }], faults: { nackAll: true } })
    const client = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 5, baseVersion: 1 })
    client.send(m)
    expect(await client.next(replyTo(m.id))).toEqual({ type: 'NACK', replyTo: m.id, data: { reason: 'rejected by server fault knob', retryable: false } })
    server.faults.nackAll = false
    server.faults.nackRetryable = true
    client.send(m)
    expect(await client.next(replyTo(m.id))).toEqual({
      type: 'NACK',
      replyTo: m.id,
      data: { reason: 'temporarily unavailable (server fault knob)', retryable: true },
    })
    await settle(client)
    expect(updatesOf(client)).toEqual([])
    expect(server.widget('w-1')?.version).toBe(1)

    server.faults.nackRetryable = false
    client.send(m)
    expect(await client.next(replyTo(m.id))).toMatchObject({ type: 'ACK', data: { version: 2 } })
    expect(server.received.map((r) => r.duplicate)).toEqual([undefined, undefined, undefined, undefined]) // 3 ops + ECHO
  })

  it('rejectIf NACKs with its reason (non-retryable), and sees the op', async () => {
    const seen: string[] = []
    const server = await start({
      widgets: [{ id: 'w-1', value: 0 }],
      faults: {
        rejectIf: (m) => {
          seen.push(m.id)
          return (m.data as { value: number }).value < 0 ? 'value must not be negative' : undefined
        },
      },
    })
    const client = await connect(server)
    const bad = op('WIDGET_UPDATE', { id: 'w-1', value: -1, baseVersion: 1 })
    const good = op('WIDGET_UPDATE', { id: 'w-1', value: 1, baseVersion: 1 })
    client.send(bad)
    client.send(good)
    expect(await client.next(replyTo(bad.id))).toEqual({ type: 'NACK', replyTo: bad.id, data: { reason: 'value must not be negative', retryable: false } })
    expect(await client.next(replyTo(good.id))).toMatchObject({ type: 'ACK', data: { version: 2 } })
    expect(seen).toEqual([bad.id, good.id])

    server.faults.rejectIf = () => {
      throw new Error('validator crashed')
    }
    const third = op('WIDGET_UPDATE', { id: 'w-1', value: 2 })
    client.send(third)
    expect(await client.next(replyTo(third.id))).toMatchObject({ type: 'NACK', data: { reason: 'validator crashed', retryable: false } })
    // A replay of an applied op is answered with its ACK, whatever rejectIf says now.
    client.send(good)
    expect(await client.next(replyTo(good.id))).toMatchObject({ type: 'ACK', data: { version: 2 } })
  })

  it('conflictOnBaseVersion NACKs a stale base version; off (default), the last writer wins', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const client = await connect(server)
    server.touch('w-1', { value: 1 }) // version 2
    const lww = op('WIDGET_UPDATE', { id: 'w-1', value: 2, baseVersion: 1 })
    client.send(lww)
    expect(await client.next(replyTo(lww.id))).toMatchObject({ type: 'ACK', data: { version: 3, value: { value: 2 } } })

    server.faults.conflictOnBaseVersion = true
    const stale = op('WIDGET_UPDATE', { id: 'w-1', value: 3, baseVersion: 2 })
    client.send(stale)
    expect(await client.next(replyTo(stale.id))).toEqual({
      type: 'NACK',
      replyTo: stale.id,
      data: { reason: 'conflict: base version 2 < current 3', retryable: false },
    })
    const current = op('WIDGET_UPDATE', { id: 'w-1', value: 4, baseVersion: 3 })
    const unversioned = op('WIDGET_UPDATE', { id: 'w-1', value: 5 })
    client.send(current)
    client.send(unversioned)
    expect(await client.next(replyTo(current.id))).toMatchObject({ type: 'ACK', data: { version: 4 } })
    expect(await client.next(replyTo(unversioned.id))).toMatchObject({ type: 'ACK', data: { version: 5 } })
    const staleDelete = op('WIDGET_DELETE', { id: 'w-1', baseVersion: 4 })
    client.send(staleDelete)
    expect(await client.next(replyTo(staleDelete.id))).toMatchObject({ type: 'NACK', data: { reason: 'conflict: base version 4 < current 5' } })
    expect(server.widget('w-1')).toEqual({ id: 'w-1', value: 5, version: 5 })
  })

  it('dropAcks applies and broadcasts but does not ACK (replays neither); once cleared, a replay gets the stored ACK', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }], faults: { dropAcks: true } })
    const sender = await connect(server)
    const other = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 5, baseVersion: 1 })
    sender.send(m)
    sender.send(m)
    await settle(sender, other)
    expect(sender.messages.filter((x) => x.type === 'ACK')).toEqual([])
    for (const c of [sender, other]) expect(updatesOf(c)).toMatchObject([{ data: { id: 'w-1', value: 5, version: 2, opId: m.id } }])
    expect(server.widget('w-1')?.version).toBe(2)

    // NACKs still go out.
    server.faults.nackRetryable = true
    const refused = op('WIDGET_UPDATE', { id: 'w-1', value: 6 })
    sender.send(refused)
    expect(await sender.next(replyTo(refused.id))).toMatchObject({ type: 'NACK', data: { retryable: true } })

    server.faults.nackRetryable = false
    server.faults.dropAcks = false
    sender.send(m)
    expect(await sender.next(replyTo(m.id))).toEqual({
      type: 'ACK',
      replyTo: m.id,
      data: { key: 'w-1', version: 2, value: { id: 'w-1', value: 5 } },
    })
    expect(server.seq).toBe(1)
  })

  it('dropReplies drops the ACK but still broadcasts the change', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }], faults: { dropReplies: true } })
    const client = await connect(server)
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 5, baseVersion: 1 })
    client.send(m)
    expect(await client.next()).toMatchObject({ type: 'WIDGET_UPDATE', data: { version: 2, opId: m.id } })
    expect(client.messages).toHaveLength(1)
  })
})

describe('widget server: delete', () => {
  it('deletes by op: ACK value null, broadcast { id, version, deleted: true, opId }', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }, { id: 'w-2', value: 0 }] })
    const a = await connect(server)
    const b = await connect(server)
    const m = op('WIDGET_DELETE', { id: 'w-1', baseVersion: 1 })
    a.send(m)
    expect(await a.next(replyTo(m.id))).toEqual({ type: 'ACK', replyTo: m.id, data: { key: 'w-1', version: 2, value: null } })
    for (const c of [a, b]) {
      expect(await c.next(isUpdate)).toEqual({ type: 'WIDGET_UPDATE', data: { id: 'w-1', version: 2, deleted: true, opId: m.id }, seq: 1, ts: expect.any(Number) })
    }
    expect(server.widget('w-1')).toBeUndefined()
    expect(server.widgets()).toEqual([{ id: 'w-2', value: 0, version: 1 }])
  })

  it('a second delete (new opId) is ACKed with the same version and no broadcast; an unknown widget is NACKed', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const client = await connect(server)
    const first = op('WIDGET_DELETE', { id: 'w-1' })
    const second = op('WIDGET_DELETE', { id: 'w-1' })
    const unknown = op('WIDGET_DELETE', { id: 'w-404' })
    client.send(first)
    client.send(second)
    client.send(unknown)
    expect((await client.next(replyTo(first.id))).data).toEqual({ key: 'w-1', version: 2, value: null })
    expect((await client.next(replyTo(second.id))).data).toEqual({ key: 'w-1', version: 2, value: null })
    expect(await client.next(replyTo(unknown.id))).toEqual({ type: 'NACK', replyTo: unknown.id, data: { reason: 'widget w-404 not found', retryable: false } })
    expect(server.seq).toBe(1)
  })

  it('re-creating a deleted widget continues its version (clients holding the old version accept it)', async () => {
    const server = await start({ widgets: [{ id: 'w-1', title: 'old', value: 0 }] })
    const client = await connect(server)
    expect(server.deleteWidget('w-1')).toBe(2)
    expect((await client.next(isUpdate)).data).toEqual({ id: 'w-1', version: 2, deleted: true })
    const m = op('WIDGET_UPDATE', { id: 'w-1', value: 1 })
    client.send(m)
    expect((await client.next(replyTo(m.id))).data).toEqual({ key: 'w-1', version: 3, value: { id: 'w-1', value: 1 } })
    expect(server.deleteWidget('w-404')).toBeUndefined()
  })
})

describe('widget server: SYNC, GET_WIDGETS, seeding', () => {
  it('a SYNC snapshot carries every widget with its version', async () => {
    const server = await start({ widgets: [{ id: 'w-1', title: 'CPU', value: 0 }, { id: 'w-2', value: 1 }] })
    const client = await connect(server)
    server.touch('w-1', { value: 9 })
    server.deleteWidget('w-2')
    const snapshot = { snapshot: true, seq: 2, messages: [{ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 9, version: 2 } }], widgets: [{ id: 'w-1', title: 'CPU', value: 9, version: 2 }] }
    expect(await client.request('SYNC', { since: 99 })).toMatchObject({ type: 'SYNC', data: snapshot })
    // since 0: the client knows nothing, a snapshot even though the log reaches back that far.
    expect((await client.request('SYNC', { since: 0 })).data).toEqual(snapshot)
    // Within the log: the missed broadcasts, no snapshot.
    const since = (await client.request('SYNC', { since: 1 })).data as Record<string, unknown>
    expect(since).toEqual({ seq: 2, messages: [expect.objectContaining({ seq: 2, data: { id: 'w-2', version: 2, deleted: true } })] })
  })

  it('a server with its own broadcast type snapshots widgets as frames of that type', async () => {
    const server = await start({
      widgets: [{ id: 'w-1', value: 0 }],
      entityBroadcastType: 'TILE',
      requestHandlers: [['SYNC', createSyncHandler('TILE')]],
    })
    const client = await connect(server)
    expect((await client.request('SYNC', { since: 0 })).data).toMatchObject({ snapshot: true, seq: 0, messages: [{ type: 'TILE', data: { id: 'w-1', value: 0, version: 1 } }] })
  })

  it('answers GET_WIDGETS with { widgets, seq }', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }, { id: 'w-2', value: 1 }] })
    const client = await connect(server)
    server.touch('w-2', { value: 2 })
    client.send({ type: 'GET_WIDGETS', id: 'g1' })
    expect(await client.next(replyTo('g1'))).toEqual({
      type: 'GET_WIDGETS',
      replyTo: 'g1',
      data: {
        widgets: [
          { id: 'w-1', value: 0, version: 1 },
          { id: 'w-2', value: 2, version: 2 },
        ],
        seq: 1,
      },
    })
  })

  it('refuses a seed without ids; seedWidgets replaces the state, versions never going back', async () => {
    await expect(startServer({ port: 0, host: '127.0.0.1', widgets: [{ id: '' }] })).rejects.toThrow(/non-empty string/)
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }, { id: 'w-2', value: 0 }] })
    server.touch('w-1', { value: 1 })
    server.seedWidgets([{ id: 'w-1', value: 10 }, { id: 'w-3', value: 30, version: 77 }])
    expect(server.widgets()).toEqual([
      { id: 'w-1', value: 10, version: 3 },
      { id: 'w-3', value: 30, version: 1 },
    ])
    expect(server.seq).toBe(1) // no broadcast
    expect(() => server.seedWidgets([{ id: 'ok' }, { value: 1 } as never])).toThrow(TypeError)
    expect(server.widgets()).toHaveLength(2) // unchanged
  })

  it('lets a server rename the entity message types and the broadcast type', async () => {
    const server = await start({ entityMessages: [['ITEM_PATCH', 'update']], entityBroadcastType: 'ITEM' })
    const client = await connect(server)
    const m = op('ITEM_PATCH', { id: 'i-1', n: 1 })
    client.send(m)
    expect(await client.next(replyTo(m.id))).toMatchObject({ type: 'ACK', data: { key: 'i-1', version: 1 } })
    expect(await client.next((x) => x.type === 'ITEM')).toMatchObject({ data: { id: 'i-1', n: 1, version: 1, opId: m.id } })
    const generic = op('WIDGET_UPDATE', { id: 'w-1' })
    client.send(generic)
    expect(await client.next(replyTo(generic.id))).toEqual({ type: 'ACK', replyTo: generic.id, data: { received: true } })
  })
})

describe('widget server: CONTROL', () => {
  it('touch, delete, widgets and seed over CONTROL; knobs over CONTROL faults', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    expect((await client.request('CONTROL', { op: 'seed', widgets: [{ id: 'w-1', value: 0 }, { id: 'w-2', value: 0 }] })).data).toEqual({ done: true, count: 2 })
    expect((await client.request('CONTROL', { op: 'touch', id: 'w-1', patch: { value: 5 } })).data).toEqual({ done: true, version: 2 })
    expect(await client.next(isUpdate)).toMatchObject({ data: { id: 'w-1', value: 5, version: 2 } })
    expect((await client.request('CONTROL', { op: 'delete', id: 'w-2' })).data).toEqual({ done: true, version: 2 })
    expect((await client.request('CONTROL', { op: 'delete', id: 'w-2' })).data).toEqual({ done: true, version: null })
    expect((await client.request('CONTROL', { op: 'widgets' })).data).toEqual({ done: true, widgets: [{ id: 'w-1', value: 5, version: 2 }], seq: 2 })
    expect(await client.request('CONTROL', { op: 'touch', id: 7 })).toMatchObject({ type: 'ERROR' })
    expect(await client.request('CONTROL', { op: 'touch', id: 'w-1', patch: 3 })).toMatchObject({ type: 'ERROR' })
    expect(await client.request('CONTROL', { op: 'seed', widgets: 'x' })).toMatchObject({ type: 'ERROR' })
    expect(await client.request('CONTROL', { op: 'seed', widgets: [{}] })).toMatchObject({ type: 'ERROR' })

    const set = await client.request('CONTROL', {
      op: 'faults',
      faults: { nackRetryable: true, conflictOnBaseVersion: true, dropAcks: true, rejectIf: 'ignored' },
    })
    expect(set.data).toMatchObject({ done: true, faults: { nackRetryable: true, conflictOnBaseVersion: true, dropAcks: true } })
    expect(server.faults).toMatchObject({ nackRetryable: true, conflictOnBaseVersion: true, dropAcks: true })
    expect(server.faults.rejectIf).toBeUndefined()

    server.faults.rejectIf = () => 'no'
    await client.request('CONTROL', { op: 'faults', faults: { rejectIf: null } })
    expect(server.faults.rejectIf).toBeUndefined()
  })
})
