import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, createClient, startTestServer, until } from './support/harness'

afterEach(cleanup)

describe('several stores on one server', () => {
  it('delivers a broadcast to both stores, each on its own socket', async () => {
    const server = await startTestServer()
    const a = createClient({ url: server.url, inbound: { NEWS: 'news/received' } })
    const b = createClient({ url: server.url, inbound: { NEWS: 'news/received' } })
    await Promise.all([a.waitForStatus('open'), b.waitForStatus('open')])
    await server.waitForClients(2)
    expect(server.clientCount()).toBe(2)

    const seq = server.broadcast('NEWS', { headline: 'both of you' })
    await until(() => a.ofType('news/received').length === 1 && b.ofType('news/received').length === 1, 'both stores got it')
    for (const client of [a, b]) {
      expect(client.ofType('news/received')[0]!.action).toMatchObject({
        payload: { headline: 'both of you' },
        meta: { realtime: { source: 'realtime', seq } },
      })
    }

    // Each store sends on its own socket.
    a.store.dispatch(a.actions.send('HELLO', { from: 'a' }))
    b.store.dispatch(b.actions.send('HELLO', { from: 'b' }))
    await until(() => server.received.length === 2, 'both sends')
    expect(server.received).toEqual(
      expect.arrayContaining([
        { type: 'HELLO', data: { from: 'a' } },
        { type: 'HELLO', data: { from: 'b' } },
      ]),
    )

    // One store disconnecting leaves the other connected and receiving.
    a.disconnect()
    expect(a.connection().status).toBe('closed')
    await until(() => server.clientCount() === 1, 'the server to see one client left')
    server.broadcast('NEWS', { headline: 'only b' })
    await until(() => b.ofType('news/received').length === 2, 'b got the second broadcast')
    expect(a.ofType('news/received')).toHaveLength(1)
    expect(b.connection().status).toBe('open')
  })
})
