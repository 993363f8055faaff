import { describe, it, expect } from 'vitest'
import { replyTo, useServerFixture } from './support/serverFixture'
import type { WireMessage } from '../../examples/server/types'

const { start, connect } = useServerFixture()

const seqs = (messages: WireMessage[]) => messages.filter((m) => m.seq !== undefined).map((m) => m.seq)

describe('reference server: faults.dropBroadcasts (seq gaps)', () => {
  it('numbers and logs the next N broadcasts but sends them to nobody; SYNC returns them', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    const a = await connect(server)
    const b = await connect(server)
    expect(server.broadcast('HELLO', 0)).toBe(1)
    server.faults.dropBroadcasts = 2
    expect(server.broadcast('HELLO', 1)).toBe(2)
    server.touch('w-1', { value: 2 }) // a widget change is a broadcast like any other
    expect(server.faults.dropBroadcasts).toBe(0)
    expect(server.broadcast('HELLO', 3)).toBe(4)

    for (const client of [a, b]) {
      await client.request('ECHO', 'settle')
      expect(seqs(client.messages)).toEqual([1, 4])
    }
    // A SYNC since the last seq the client saw before the gap returns the dropped ones (since 0 would ask for a snapshot).
    const sync = await a.request('SYNC', { since: 1 })
    expect((sync.data as { messages: WireMessage[] }).messages.map((m) => [m.seq, m.type])).toEqual([
      [2, 'HELLO'],
      [3, 'WIDGET_UPDATE'],
      [4, 'HELLO'],
    ])
  })

  it('drops the broadcast of a client op, never its ACK', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }], faults: { dropBroadcasts: 1 } })
    const client = await connect(server)
    client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 1 } })
    expect(await client.next(replyTo('op-1'))).toMatchObject({ type: 'ACK', data: { version: 2 } })
    client.send({ type: 'WIDGET_UPDATE', id: 'op-2', data: { id: 'w-1', value: 2 } })
    expect(await client.next(replyTo('op-2'))).toMatchObject({ type: 'ACK', data: { version: 3 } })
    expect(await client.next((m) => m.seq !== undefined)).toMatchObject({ seq: 2, data: { opId: 'op-2' } })
    expect(seqs(client.messages)).toEqual([2])
  })

  it('is settable over CONTROL as a non-negative integer', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    for (const bad of [-1, 1.5, '2', null]) {
      const reply = await client.request('CONTROL', { op: 'faults', faults: { dropBroadcasts: bad } })
      expect(reply.data).toMatchObject({ faults: { dropBroadcasts: 0 } })
    }
    const reply = await client.request('CONTROL', { op: 'faults', faults: { dropBroadcasts: 3 } })
    expect(reply.data).toMatchObject({ done: true, faults: { dropBroadcasts: 3 } })
    expect(server.faults.dropBroadcasts).toBe(3)
  })
})
