import { afterEach, describe, expect, it } from 'vitest'
import type { MessageRejection } from 'rtk-realtime'
import { cleanup, createClient, startTestServer, until } from './support/harness'

afterEach(cleanup)

describe('garbage frames', () => {
  it('turns each bad frame into messageRejected without disturbing the connection or the store', async () => {
    const server = await startTestServer()
    const client = createClient({ url: server.url, inbound: { X: 'x/received', OK: 'ok/received' } })
    await client.waitForStatus('open')
    await server.waitForClients(1)
    const rejected = client.actions.messageRejected.type

    // No oversized frame here: `ws` refuses one as its header arrives and closes the socket (1009)
    // before the codec sees it; test/connection/maxPayload.test.ts covers that.
    server.sendRaw('{oops')
    server.sendRaw(Buffer.from([0, 1, 2]))
    server.sendRaw('{"type":"X","data":{"__proto__":{"polluted":1}}}')
    server.sendRaw('[]')
    server.sendRaw('null')
    const okSeq = server.broadcast('OK', { after: 'garbage' })

    await until(() => client.ofType('ok/received').length === 1, 'the valid message after the garbage')

    const rejections = client.payloads<MessageRejection>(rejected)
    expect(rejections.map((r) => r.code)).toEqual([
      'malformed_json',
      'binary_frame',
      'forbidden_key',
      'invalid_envelope',
      'invalid_envelope',
    ])
    for (const r of rejections) {
      expect(typeof r.reason).toBe('string')
      expect(r.reason.length).toBeLessThan(500)
      expect(typeof r.at).toBe('number')
    }
    expect(rejections[1]!.reason).toContain('3 bytes')
    expect(rejections[2]).toMatchObject({ type: 'X', stripped: ['data.__proto__'] })

    // The __proto__ frame is delivered cleaned, right after its rejection, and pollutes nothing.
    const types = client.log.map((r) => r.action.type).filter((t) => t === rejected || t === 'x/received')
    expect(types).toEqual([rejected, rejected, rejected, 'x/received', rejected, rejected])
    const [x] = client.payloads<Record<string, unknown>>('x/received')
    expect(x).toEqual({})
    expect(Object.getPrototypeOf(x)).toBe(Object.prototype)
    expect(Object.hasOwn(x!, '__proto__')).toBe(false)
    expect(x!.polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')

    // The valid message still arrives intact, and the connection never dropped.
    const [ok] = client.ofType('ok/received')
    expect(ok!.action).toMatchObject({ payload: { after: 'garbage' }, meta: { realtime: { seq: okSeq } } })
    expect(client.connection()).toMatchObject({
      status: 'open',
      rejected: 5,
      received: 2, // the cleaned X and OK
      lastClose: null,
      lastRejection: { code: 'invalid_envelope' },
    })
    expect(client.ofType(client.actions.closed.type)).toHaveLength(0)
    expect(server.clientCount()).toBe(1)

    // And it keeps working in both directions.
    const echo = await client.store.dispatch(client.realtime.request('ECHO', { still: 'alive' }))
    expect(echo.data).toEqual({ still: 'alive' })
  })
})
