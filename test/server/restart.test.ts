import { describe, it, expect } from 'vitest'
import { replyTo, useServerFixture } from './support/serverFixture'
import { startServer } from '../../examples/server/createServer'
import type { ServerState } from '../../examples/server/serverState'
import { connectTestClient, type TestClient } from '../../examples/server/testClient'
import type { WireMessage } from '../../examples/server/types'

const { start, connect } = useServerFixture()

/** Replies on one socket go out in order: once this ECHO is back, everything sent before it was answered. */
const settle = (client: TestClient) => client.request('ECHO', 'settle')
/** CONTROL replies are never delayed: once this one is back, everything sent before it was handled. */
const handled = (client: TestClient) => client.request('CONTROL', { op: 'stats' })

describe('reference server: kill()', () => {
  it('crashes: clients see 1006 at once, delayed replies are lost, and the port is free', async () => {
    const server = await start({ widgets: [{ id: 'w-1', value: 0 }], allowControl: true })
    const client = await connect(server)
    const watcher = await connect(server)
    server.faults.replyDelayMs = 60_000
    client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 9 } })
    await handled(client)
    // The op was applied (its effect is in the state) but its ACK, and the broadcast behind it, wait.
    expect(server.appliedCount('op-1')).toBe(1)

    await server.kill()
    expect((await client.closed).code).toBe(1006)
    expect((await watcher.closed).code).toBe(1006)
    expect(client.messages.map((m) => m.type)).toEqual(['CONTROL'])
    expect(watcher.messages).toEqual([])
    expect(server.clientCount()).toBe(0)
    await expect(connectTestClient(server.url)).rejects.toThrow()

    // Nothing changes a dead server's state any more: the next server owns it.
    expect(() => server.touch('w-1', { value: 1 })).toThrow(/after stop\(\) or kill\(\)/)
    expect(() => server.broadcast('HELLO')).toThrow(/after stop\(\) or kill\(\)/)
    await expect(server.blast(1, () => ({ type: 'X' }))).rejects.toThrow(/after stop\(\) or kill\(\)/)
    await server.stop() // harmless afterwards
  })
})

describe('reference server: restart on the same state', () => {
  it('continues after kill() on the same port: widgets, versions, answered ids, applied counts, seq and SYNC log', async () => {
    const old = await start({ widgets: [{ id: 'w-1', value: 0 }, { id: 'w-2', value: 0 }], allowControl: true })
    const client = await connect(old)
    client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 1 } })
    client.send({ type: 'WIDGET_DELETE', id: 'op-2', data: { id: 'w-2' } })
    await settle(client)
    old.touch('w-1', { title: 'kept' })
    expect(old.seq).toBe(3)
    const ackBefore = client.messages.find(replyTo('op-1'))

    // The ACK of op-3 is held back when the server dies: the client never learns the op was applied.
    old.faults.replyDelayMs = 60_000
    client.send({ type: 'WIDGET_UPDATE', id: 'op-3', data: { id: 'w-1', value: 3 } })
    await handled(client)
    expect(old.appliedCount('op-3')).toBe(1)
    const { port, state } = old
    await old.kill()

    const server = await start({ port, state })
    expect(server.port).toBe(port)
    expect(server.state).toBe(state)
    expect(server.widgets()).toEqual([{ id: 'w-1', value: 3, title: 'kept', version: 4 }])
    expect(server.seq).toBe(3) // op-3's broadcast died with its ACK: it was never numbered

    const again = await connect(server)
    // The client replays what it never got an answer for: the stored ACK, nothing applied twice.
    again.send({ type: 'WIDGET_UPDATE', id: 'op-3', data: { id: 'w-1', value: 3 } })
    expect(await again.next(replyTo('op-3'))).toEqual({ type: 'ACK', replyTo: 'op-3', data: { key: 'w-1', version: 4, value: { id: 'w-1', value: 3, title: 'kept' } } })
    again.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 1 } })
    expect(await again.next(replyTo('op-1'))).toEqual(ackBefore)
    expect(server.appliedCount('op-1')).toBe(1)
    expect(server.appliedCount('op-3')).toBe(1)
    expect(server.appliedOps()).toEqual(['op-1', 'op-2', 'op-3'])

    // A re-created widget continues from its tombstone's version.
    again.send({ type: 'WIDGET_CREATE', id: 'op-4', data: { id: 'w-2', value: 7 } })
    expect(await again.next(replyTo('op-4'))).toMatchObject({ type: 'ACK', data: { version: 3 } })
    // seq continues, and SYNC reaches back across the restart.
    expect(await again.next((m) => m.seq !== undefined)).toMatchObject({ seq: 4, data: { id: 'w-2', version: 3, opId: 'op-4' } })
    const sync = await again.request('SYNC', { since: 1 })
    const messages = (sync.data as { messages: WireMessage[] }).messages
    expect(messages.map((m) => m.seq)).toEqual([2, 3, 4])
    expect(messages[0]).toMatchObject({ data: { id: 'w-2', deleted: true, opId: 'op-2' } })
  })

  it('continues after stop() too, and a fresh server is not affected', async () => {
    const first = await start({ widgets: [{ id: 'w-1', value: 0 }] })
    first.touch('w-1', { value: 1 })
    await first.stop()
    const second = await start({ state: first.state })
    expect(second.widget('w-1')).toEqual({ id: 'w-1', value: 1, version: 2 })
    expect(second.broadcast('HELLO')).toBe(2)
    const fresh = await start()
    expect(fresh.seq).toBe(0)
    expect(fresh.widgets()).toEqual([])
  })

  it('refuses a state still in use, a state with widgets, and anything that is not a server state', async () => {
    const live = await start()
    await expect(start({ state: live.state })).rejects.toThrow(/another server is still running on this state/)
    const stopped = await start()
    await stopped.stop()
    await expect(start({ state: stopped.state, widgets: [] })).rejects.toThrow(TypeError)
    await expect(start({ state: {} as ServerState })).rejects.toThrow(/state must be the `state` of a reference server/)
    // A failed listen releases the state for the next try.
    await expect(startServer({ port: live.port, state: stopped.state })).rejects.toThrow(/EADDRINUSE/)
    expect((await start({ state: stopped.state })).seq).toBe(0)
  })
})
