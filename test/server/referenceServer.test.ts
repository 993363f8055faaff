import { describe, it, expect } from 'vitest'
import { replyTo, useServerFixture } from './support/serverFixture'
import { WebSocket } from 'ws'
import { startServer } from '../../examples/server/createServer'
import { connectTestClient } from '../../examples/server/testClient'
import type { WireMessage } from '../../examples/server/types'

const { start, connect } = useServerFixture()

describe('reference server: heartbeat', () => {
  it('answers PING with PONG echoing the id and data.ts', async () => {
    const server = await start()
    const client = await connect(server)
    client.send({ type: 'PING', id: 'p1', data: { ts: 12345 } })
    const pong = await client.next()
    expect(pong).toEqual({ type: 'PONG', replyTo: 'p1', data: { ts: 12345 } })
    expect(server.received).toEqual([]) // PINGs are not recorded
  })

  it('ignores PINGs while answerPing is false (half-open simulation)', async () => {
    const server = await start({ faults: { answerPing: false } })
    const client = await connect(server)
    client.send({ type: 'PING', id: 'p1', data: { ts: 1 } })
    const echo = await client.request('ECHO', 'after')
    expect(echo.data).toBe('after')
    // Replies go out in order: had the PING been answered, its PONG would be here first.
    expect(client.messages.map((m) => m.type)).toEqual(['ECHO'])

    server.faults.answerPing = true
    client.send({ type: 'PING', id: 'p2', data: { ts: 2 } })
    expect(await client.next((m) => m.type === 'PONG')).toMatchObject({ replyTo: 'p2' })
  })

  it('delays replies by replyDelayMs', async () => {
    const server = await start()
    const client = await connect(server)
    server.faults.replyDelayMs = 50
    let t0 = performance.now()
    client.send({ type: 'PING', id: 'p1', data: { ts: 1 } })
    await client.next(replyTo('p1'))
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45)

    t0 = performance.now()
    client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1', value: 1 } })
    expect(await client.next(replyTo('op-1'))).toMatchObject({ type: 'ACK' })
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45)

    t0 = performance.now()
    await client.request('ECHO', 1)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45)
  })
})

describe('reference server: requests', () => {
  it('replies to ECHO with the request data and to TIME with the server clock', async () => {
    const server = await start()
    const client = await connect(server)
    client.send({ type: 'ECHO', id: 'r1', data: { hello: ['world', 1] } })
    expect(await client.next(replyTo('r1'))).toEqual({ type: 'ECHO', replyTo: 'r1', data: { hello: ['world', 1] } })

    const before = Date.now()
    const time = await client.request('TIME')
    expect(time.type).toBe('TIME')
    const now = (time.data as { now: number }).now
    expect(now).toBeGreaterThanOrEqual(before)
    expect(now).toBeLessThanOrEqual(Date.now())
    expect(server.received.map((m) => m.type)).toEqual(['ECHO', 'TIME'])
  })

  it('lets a server register its own request handlers', async () => {
    const server = await start({ requestHandlers: [['ADD', (req) => (req.data as number[]).reduce((a, b) => a + b, 0)]] })
    server.requestHandlers.set('FAIL', () => {
      throw new Error('nope')
    })
    server.requestHandlers.set('LATER', async () => 'done')
    const client = await connect(server)
    expect((await client.request('ADD', [1, 2, 3])).data).toBe(6)
    expect(await client.request('FAIL')).toMatchObject({ type: 'ERROR', data: { reason: 'nope' } })
    expect(await client.request('LATER')).toMatchObject({ type: 'LATER', data: 'done' })
  })
})

describe('reference server: ACK, de-duplication, NACK', () => {
  // Generic ops: message types that are not entity ops (those are in widgets.test.ts).
  it('ACKs a message by id and answers a replay identically, marking it duplicate', async () => {
    const server = await start()
    const client = await connect(server)
    const op = { type: 'OP', id: 'op-1', data: { id: 'w-1', value: 42, baseVersion: 3 } }
    client.send(op)
    const first = await client.next(replyTo('op-1'))
    expect(first).toEqual({ type: 'ACK', replyTo: 'op-1', data: { received: true } })
    client.send(op)
    const second = await client.next(replyTo('op-1'))
    expect(second).toEqual(first)
    expect(server.received).toEqual([
      { type: 'OP', id: 'op-1', data: op.data },
      { type: 'OP', id: 'op-1', data: op.data, duplicate: true },
    ])
  })

  it('records messages without an id but does not answer them', async () => {
    const server = await start()
    const client = await connect(server)
    client.send({ type: 'NOTE', data: 1 })
    await client.request('ECHO', 'x')
    expect(client.messages.map((m) => m.type)).toEqual(['ECHO'])
    expect(server.received[0]).toEqual({ type: 'NOTE', data: 1 })
  })

  it('NACKs every message with an id while nackAll is set', async () => {
    const server = await start({ faults: { nackAll: true } })
    const client = await connect(server)
    client.send({ type: 'OP', id: 'op-1', data: {} })
    expect(await client.next(replyTo('op-1'))).toEqual({
      type: 'NACK',
      replyTo: 'op-1',
      data: { reason: 'rejected by server fault knob', retryable: false },
    })
    // A rejected op was not applied: once the knob is off, its retry is ACKed (not a duplicate).
    server.faults.nackAll = false
    client.send({ type: 'OP', id: 'op-1', data: {} })
    expect(await client.next(replyTo('op-1'))).toMatchObject({ type: 'ACK' })
    expect(server.received.map((m) => m.duplicate)).toEqual([undefined, undefined])
  })

  it('drops ACKs while dropReplies is set, and ACKs the replay afterwards', async () => {
    const server = await start({ faults: { dropReplies: true } })
    const client = await connect(server)
    client.send({ type: 'OP', id: 'op-1', data: { value: 1 } })
    client.send({ type: 'ECHO', id: 'r1', data: 1 })
    client.send({ type: 'PING', id: 'p1', data: { ts: 5 } })
    expect(await client.next()).toMatchObject({ type: 'PONG', replyTo: 'p1' })
    expect(client.messages).toHaveLength(1)
    expect(server.received.map((m) => m.id)).toEqual(['op-1', 'r1'])

    server.faults.dropReplies = false
    client.send({ type: 'OP', id: 'op-1', data: { value: 1 } })
    expect(await client.next(replyTo('op-1'))).toEqual({ type: 'ACK', replyTo: 'op-1', data: { received: true } })
    expect(server.received[2]).toMatchObject({ id: 'op-1', duplicate: true })
  })

  it('uses a registered message handler for the ACK data, once per id', async () => {
    let applied = 0
    const server = await start({
      messageHandlers: [['WIDGET_UPDATE', (m) => ({ key: (m.data as { id: string }).id, version: ++applied })]],
    })
    const client = await connect(server)
    client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1' } })
    client.send({ type: 'WIDGET_UPDATE', id: 'op-1', data: { id: 'w-1' } })
    expect(await client.next(replyTo('op-1'))).toMatchObject({ data: { key: 'w-1', version: 1 } })
    expect(await client.next(replyTo('op-1'))).toMatchObject({ data: { key: 'w-1', version: 1 } })
    expect(applied).toBe(1)
  })
})

describe('reference server: broadcasts and SYNC', () => {
  it('numbers broadcasts with seq increasing by one, to every client', async () => {
    const server = await start()
    const a = await connect(server)
    const b = await connect(server)
    expect(server.clientCount()).toBe(2)
    expect(server.broadcast('WIDGET_UPDATE', { id: 'w-1', value: 1, version: 1 })).toBe(1)
    expect(server.broadcast('WIDGET_UPDATE', { id: 'w-1', value: 2, version: 2 })).toBe(2)
    expect(server.broadcast('HELLO')).toBe(3)
    for (const client of [a, b]) {
      const got = [await client.next(), await client.next(), await client.next()]
      expect(got.map((m) => m.seq)).toEqual([1, 2, 3])
      expect(got[0]).toMatchObject({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 1, version: 1 } })
      expect(typeof got[0]?.ts).toBe('number')
      expect(got[2]).not.toHaveProperty('data')
    }
  })

  it('replies to SYNC with the broadcasts after since', async () => {
    const server = await start()
    const client = await connect(server)
    for (let i = 1; i <= 5; i++) server.broadcast('WIDGET_UPDATE', { id: 'w-1', value: i, version: i })
    const reply = await client.request('SYNC', { since: 2 })
    expect(reply.type).toBe('SYNC')
    const data = reply.data as { messages: WireMessage[]; seq: number; snapshot?: boolean }
    expect(data.snapshot).toBeUndefined()
    expect(data.seq).toBe(5)
    expect(data.messages.map((m) => m.seq)).toEqual([3, 4, 5])
    expect(data.messages[0]).toMatchObject({ type: 'WIDGET_UPDATE', data: { value: 3 } })
    expect(((await client.request('SYNC', { since: 5 })).data as { messages: unknown[] }).messages).toEqual([])
  })

  it('replies to SYNC with a snapshot marker when since is older than the log', async () => {
    const server = await start()
    const client = await connect(server)
    await server.blast(1_005, (i) => ({ type: 'TICK', data: i }))
    const old = await client.request('SYNC', { since: 4 })
    expect(old.data).toEqual({ snapshot: true, seq: 1_005, messages: [], widgets: [] })
    const recent = await client.request('SYNC', { since: 5 })
    expect((recent.data as { messages: WireMessage[] }).messages).toHaveLength(1_000)
    // A client ahead of the server (it saw another instance) must refetch too.
    expect(await client.request('SYNC', { since: 9_999 })).toMatchObject({ data: { snapshot: true, seq: 1_005 } })
    expect(await client.request('SYNC', {})).toMatchObject({ type: 'ERROR' })
  })
})

describe('reference server: robustness', () => {
  it('answers garbage with ERROR and keeps working', async () => {
    const server = await start()
    const client = await connect(server)
    const garbage = ['not json', '[1,2]', 'null', '42', '{"type":5}', '{"data":1}', '{"type":""}', '{"type":"X","id":7}']
    for (const frame of garbage) client.send(frame)
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true })
    client.send('{"id":"g1"}')
    const errors: WireMessage[] = []
    for (let i = 0; i < garbage.length + 2; i++) errors.push(await client.next())
    expect(errors.every((m) => m.type === 'ERROR' && typeof (m.data as { reason: unknown }).reason === 'string')).toBe(true)
    expect(errors.at(-1)).toMatchObject({ replyTo: 'g1' })
    expect((await client.request('ECHO', 'still alive')).data).toBe('still alive')
    expect(server.received.map((m) => m.type)).toEqual(['ECHO'])
  })

  it('does not mind clients receiving raw frames', async () => {
    const server = await start()
    const client = await connect(server)
    server.sendRaw('{"broken"')
    server.sendRaw(Buffer.from([0xde, 0xad]))
    expect(await client.next()).toMatchObject({ type: '<invalid>', data: '{"broken"' })
    expect(await client.next()).toEqual({ type: '<binary>' })
  })

  it('refuses upgrades on other paths', async () => {
    const server = await start()
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/other`)
    const error = await new Promise<Error>((resolve) => ws.once('error', resolve))
    expect(error.message).toMatch(/404/)
    expect(server.clientCount()).toBe(0)
  })

  it('closes clients cleanly with closeAll and abruptly with terminateAll', async () => {
    const server = await start()
    const a = await connect(server)
    server.closeAll(4001, 'bye')
    expect(await a.closed).toEqual({ code: 4001, reason: 'bye' })

    const b = await connect(server)
    server.terminateAll()
    expect((await b.closed).code).toBe(1006)
  })

  it('waitForClients resolves once enough clients are connected', async () => {
    const server = await start()
    const waiting = server.waitForClients(2, 2_000)
    await connect(server)
    await connect(server)
    await expect(waiting).resolves.toBeUndefined()
    await expect(server.waitForClients(3, 30)).rejects.toThrow(/only 2/)
  })

  it('frees its port on stop so a new server can listen on it at once', async () => {
    const first = await startServer({ port: 0, host: '127.0.0.1' })
    const port = first.port
    const client = await connectTestClient(first.url)
    await first.stop()
    expect((await client.closed).code).toBe(1006)
    const second = await start({ port })
    expect(second.port).toBe(port)
    const again = await connect(second)
    expect((await again.request('ECHO', 'ok')).data).toBe('ok')
  })
})

describe('reference server: blast and CONTROL', () => {
  it('blast(20000) delivers 20,000 frames in order', async () => {
    const server = await start()
    const client = await connect(server)
    let count = 0
    let inOrder = true
    const done = new Promise<void>((resolve) => {
      client.ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as WireMessage
        if (m.seq !== count + 1 || (m.data as { value: number }).value !== count) inOrder = false
        if (++count === 20_000) resolve()
      })
    })
    await server.blast(20_000, (i) => ({ type: 'WIDGET_UPDATE', data: { id: `w-${i % 10}`, value: i, version: i + 1 } }))
    await done
    expect(count).toBe(20_000)
    expect(inOrder).toBe(true)
    expect(server.seq).toBe(20_000)
  })

  it('runs a CONTROL blast and replies after it was handed over', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    client.send({ type: 'CONTROL', id: 'c1', data: { op: 'blast', count: 1_000, keys: 10 } })
    const reply = await client.next(replyTo('c1'))
    expect(reply).toEqual({ type: 'CONTROL', replyTo: 'c1', data: { done: true, count: 1_000 } })
    const updates = client.messages.filter((m) => m.type === 'WIDGET_UPDATE')
    expect(updates).toHaveLength(1_000)
    expect(client.messages.indexOf(reply)).toBe(1_000) // after every blasted frame
    expect(updates[13]).toMatchObject({ seq: 14, data: { id: 'w-3', value: 13, version: 14 } })
  })

  it('sets faults, broadcasts and reports stats over CONTROL', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    const set = await client.request('CONTROL', { op: 'faults', faults: { nackAll: true, replyDelayMs: 'x' } })
    expect(set.data).toMatchObject({ done: true, faults: { nackAll: true, replyDelayMs: 0 } })
    expect(server.faults.nackAll).toBe(true)
    const sent = await client.request('CONTROL', { op: 'broadcast', messageType: 'HELLO', payload: { a: 1 } })
    expect(sent.data).toEqual({ done: true, seq: 1 })
    expect(await client.next((m) => m.type === 'HELLO')).toMatchObject({ seq: 1, data: { a: 1 } })
    expect((await client.request('CONTROL', { op: 'stats' })).data).toEqual({ done: true, clients: 1, seq: 1, received: 3 })
    expect(await client.request('CONTROL', { op: 'nope' })).toMatchObject({ type: 'ERROR' })
    expect(await client.request('CONTROL', { op: 'blast', count: -1 })).toMatchObject({ type: 'ERROR' })
  })

  it('treats CONTROL as an ordinary message without allowControl', async () => {
    const server = await start()
    const client = await connect(server)
    client.send({ type: 'CONTROL', id: 'c1', data: { op: 'blast', count: 10 } })
    expect(await client.next(replyTo('c1'))).toEqual({ type: 'ACK', replyTo: 'c1', data: { received: true } })
    expect(server.seq).toBe(0)
  })

  it('terminates clients over CONTROL after replying', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    client.send({ type: 'CONTROL', id: 'c1', data: { op: 'terminate' } })
    expect(await client.next(replyTo('c1'))).toMatchObject({ data: { done: true } })
    expect((await client.closed).code).toBe(1006)
  })
})
