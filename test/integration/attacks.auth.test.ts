import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { requestToken } from '../../examples/server/admission'
import { demoAuthenticate, demoToken } from '../../examples/server/demoAuth'
import type { IdentifiedMessage } from '../../examples/server/types'
import { arena, cleanupAttacks, connectClient } from './support/attack'
import { startTestServer } from './support/harness'

/** Who may open a socket, and whose ops they are: Origin allow-list and the authenticate hook. */
afterEach(cleanupAttacks)

/** Opens a socket with `headers`/`protocols`; resolves with its protocol, or the refusal's status. */
function handshake(url: string, options: { origin?: string; protocols?: string[] } = {}): Promise<{ status: number; protocol?: string; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options.protocols ?? [], options.origin === undefined ? {} : { origin: options.origin })
    ws.once('open', () => resolve({ status: 101, protocol: ws.protocol, ws }))
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 })
      ws.terminate()
    })
    ws.once('error', () => {})
  })
}

describe('attacks: cross-site WebSocket hijacking', () => {
  it('refuses a foreign Origin with 403; lets in its own origin, localhost, and non-browser clients', async () => {
    const { server } = await arena({ widgets: [{ id: 'w-1', value: 1 }] })
    expect((await handshake(server.url, { origin: 'http://evil.example' })).status).toBe(403)
    expect((await handshake(server.url, { origin: 'null' })).status).toBe(403)
    expect(server.widget('w-1')?.version).toBe(1)
    for (const origin of [server.httpUrl, 'http://localhost:5173', 'http://127.0.0.1:1', undefined]) {
      const result = await handshake(server.url, origin === undefined ? {} : { origin })
      expect(result.status, String(origin)).toBe(101)
      result.ws?.terminate()
    }
  })

  it('an explicit allow-list replaces the default', async () => {
    const { server } = await arena({ allowedOrigins: ['https://app.example'] })
    expect((await handshake(server.url, { origin: 'http://localhost:5173' })).status).toBe(403)
    const ok = await handshake(server.url, { origin: 'https://app.example' })
    expect(ok.status).toBe(101)
    ok.ws?.terminate()
  })
})

describe('attacks: authentication', () => {
  const tokens = new Map([
    ['t-alice', 'alice'],
    ['t-bob', 'bob'],
  ])
  const authenticate = (request: Parameters<typeof requestToken>[0]) => tokens.get(requestToken(request) ?? '')

  it('refuses an upgrade without a valid token with 401; a token in the query or in Sec-WebSocket-Protocol lets in', async () => {
    const guarded = { server: await startTestServer({ authenticate }) }
    expect((await handshake(guarded.server.url)).status).toBe(401)
    expect((await handshake(`${guarded.server.url}?token=forged`)).status).toBe(401)
    const byQuery = await handshake(`${guarded.server.url}?token=t-alice`)
    expect(byQuery.status).toBe(101)
    byQuery.ws?.terminate()
    // A browser cannot set headers, but can offer subprotocols: the server picks the other one.
    const byProtocol = await handshake(guarded.server.url, { protocols: ['rtk-realtime', 'token.t-bob'] })
    expect(byProtocol).toMatchObject({ status: 101, protocol: 'rtk-realtime' })
    byProtocol.ws?.terminate()
    const onlyToken = await handshake(guarded.server.url, { protocols: ['token.t-bob'] })
    expect(onlyToken).toMatchObject({ status: 101, protocol: 'token.t-bob' })
    onlyToken.ws?.terminate()
  })

  it('ops carry the user the server authenticated, never one the client claims', async () => {
    const seen: IdentifiedMessage[] = []
    const server = await startTestServer({ authenticate, messageHandlers: [['WHOAMI', (op, context) => (seen.push(op), { userId: op.userId, context: context.userId })]] })
    const alice = await connectClient(`${server.url}?token=t-alice`)
    alice.send(JSON.stringify({ type: 'WHOAMI', id: 'op-1', userId: 'admin', data: { userId: 'admin' } }))
    expect(await alice.next((m) => m.replyTo === 'op-1')).toMatchObject({ type: 'ACK', data: { userId: 'alice', context: 'alice' } })
    expect(seen[0]?.userId).toBe('alice')
    expect(server.received.find((m) => m.id === 'op-1')?.userId).toBe('alice')
  })

  it("the demo's tokens: a fresh one per attempt, its user carried by the ops", async () => {
    const first = demoToken('alice')
    expect(first).toMatch(/^demo\.alice\.[a-z0-9]{6,}$/)
    expect(demoToken('alice')).not.toBe(first)
    const server = await startTestServer({ authenticate: demoAuthenticate })
    expect((await handshake(server.url)).status).toBe(401)
    expect((await handshake(`${server.url}?token=demo.alice`)).status).toBe(401)
    const alice = await connectClient(`${server.url}?token=${first}`)
    alice.send({ type: 'NOTE', id: 'n-1' })
    await alice.next((m) => m.replyTo === 'n-1')
    expect(server.received.find((m) => m.id === 'n-1')?.userId).toBe('alice')
  })
})
