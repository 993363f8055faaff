import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, createClient, startTestServer } from './support/harness'

afterEach(cleanup)

describe('request/response against the reference server', () => {
  it('gets the ECHO and TIME replies, matched by id', async () => {
    const server = await startTestServer()
    const client = createClient({ url: server.url })
    // Dispatched before the socket opens: buffered, sent on open, answered.
    const early = client.store.dispatch(client.realtime.request('ECHO', { early: true }))
    await client.waitForStatus('open')
    await expect(early).resolves.toMatchObject({ type: 'ECHO', data: { early: true } })

    const action = client.realtime.request('ECHO', { hello: 'world', list: [1, 2, 3], nested: { ok: true } })
    const echo = await client.store.dispatch(action)
    expect(echo).toEqual({
      type: 'ECHO',
      replyTo: action.payload.requestId,
      data: { hello: 'world', list: [1, 2, 3], nested: { ok: true } },
    })

    const before = Date.now()
    const time = await client.store.dispatch(client.realtime.request('TIME'))
    const { now } = time.data as { now: number }
    expect(now).toBeGreaterThanOrEqual(before)
    expect(now).toBeLessThanOrEqual(Date.now())

    // Many in flight at once: each promise gets its own reply.
    const replies = await Promise.all(
      Array.from({ length: 25 }, (_, n) => client.store.dispatch(client.realtime.request('ECHO', { n }))),
    )
    expect(replies.map((r) => (r.data as { n: number }).n)).toEqual(Array.from({ length: 25 }, (_, n) => n))

    // Replies are consumed by their requests and never reach reducers as generic messages.
    expect(client.ofType(client.actions.messageReceived.type)).toHaveLength(0)
    expect(client.connection().requests).toEqual({})
    expect(server.received.filter((m) => m.type === 'ECHO')).toHaveLength(27)
  })

  it('rejects with REQUEST_REJECTED when the server answers ERROR', async () => {
    const server = await startTestServer()
    const client = createClient({ url: server.url })
    await client.waitForStatus('open')
    // SYNC without data.since makes the server's handler throw: an ERROR reply to the request id.
    await expect(client.store.dispatch(client.realtime.request('SYNC', {}))).rejects.toEqual({
      name: 'RequestRejectedError',
      code: 'REQUEST_REJECTED',
      message: expect.stringContaining('SYNC needs data.since'),
    })
    expect(client.connection().requests).toEqual({})
  })

  it('times out a request whose reply the server drops, and recovers when it stops dropping', async () => {
    const server = await startTestServer()
    const client = createClient({ url: server.url })
    await client.waitForStatus('open')

    server.faults.dropReplies = true
    const timeout = 150
    const started = performance.now()
    const lost = client.store.dispatch(client.realtime.request('ECHO', { lost: true }, { timeout }))
    expect(Object.keys(client.connection().requests)).toHaveLength(1)
    await expect(lost).rejects.toEqual({
      name: 'TimeoutError',
      code: 'REQUEST_TIMEOUT',
      message: expect.stringContaining(`no reply within ${timeout} ms`),
    })
    expect(performance.now() - started).toBeGreaterThanOrEqual(timeout - 2)
    expect(client.connection().requests).toEqual({})
    // The request did reach the server; only the reply was dropped.
    expect(server.received).toEqual([{ type: 'ECHO', id: expect.any(String), data: { lost: true } }])
    // Dropping replies is not a dead connection.
    expect(client.connection().status).toBe('open')

    server.faults.dropReplies = false
    const echo = await client.store.dispatch(client.realtime.request('ECHO', { back: true }, { timeout: 1000 }))
    expect(echo.data).toEqual({ back: true })
  })
})
