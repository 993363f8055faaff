import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect as netConnect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { requestToken } from '../../examples/server/admission'
import type { IdentifiedMessage, ReferenceServer, StartServerOptions, WireMessage } from '../../examples/server/types'
import { createJsonCodec } from '../../src/protocol/jsonCodec'
import { cleanupAttacks, connectClient } from './support/attack'
import { startTestServer, until } from './support/harness'

/**
 * Independent review of issue 9, written from the README (Reference server, Hardening) and the
 * issue only: a hostile client on raw `ws` and raw `net` sockets against the real server.
 */
afterEach(cleanupAttacks)

const MiB = 1_048_576
const replyTo = (id: string) => (m: WireMessage) => m.replyTo === id

/** One raw HTTP exchange on a fresh TCP socket: the status line and the whole answer text. */
function rawExchange(server: ReferenceServer, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(server.port, '127.0.0.1', () => socket.write(text))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
  })
}

function upgradeText(server: ReferenceServer, headers: Record<string, string> = {}, path = '/ws'): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${headers.Host ?? `127.0.0.1:${server.port}`}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers)
      .filter(([name]) => name !== 'Host')
      .map(([name, value]) => `${name}: ${value}`),
  ]
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** The status code of a raw upgrade (101 when it was accepted; the socket is then dropped). */
async function upgradeStatus(server: ReferenceServer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(server.port, '127.0.0.1', () => socket.write(upgradeText(server, headers)))
    socket.setEncoding('utf8')
    let answer = ''
    socket.on('data', (chunk: string) => {
      answer += chunk
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)
      if (status) {
        resolve(Number(status[1]))
        socket.destroy()
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(0))
  })
}

/** Opens a `ws` socket; resolves with the answered protocol, or the refusal's status. */
function handshake(url: string, protocols: string[] = []): Promise<{ status: number; protocol?: string; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols)
    ws.once('open', () => resolve({ status: 101, protocol: ws.protocol, ws }))
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 })
      ws.terminate()
    })
    ws.once('error', () => {})
  })
}

function get(server: ReferenceServer, path: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    // node:http sends the path as written: `..` and `%2e` reach the server unnormalised.
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function server(options: Omit<StartServerOptions, 'host' | 'redis'> = {}): Promise<ReferenceServer> {
  return startTestServer(options)
}

describe('review 9: who may connect', () => {
  it('Origin: missing is let in, `null` and foreign hosts get 403 naming allowedOrigins, loopback any port and the own origin pass', async () => {
    const s = await server()
    expect(await upgradeStatus(s)).toBe(101)
    expect(await upgradeStatus(s, { Origin: 'null' })).toBe(403)
    expect(await upgradeStatus(s, { Origin: 'http://evil.example' })).toBe(403)
    expect(await upgradeStatus(s, { Origin: 'HTTP://EVIL.EXAMPLE' })).toBe(403)
    expect(await upgradeStatus(s, { Origin: 'https://localhost.evil.example' })).toBe(403)
    expect(await upgradeStatus(s, { Origin: 'http://127.0.0.1.evil.example:8080' })).toBe(403)
    // Any port of localhost, 127.0.0.1 and [::1], whatever the case of the scheme.
    for (const origin of ['http://localhost:5173', 'https://localhost', 'http://127.0.0.1:1', 'http://[::1]:8080', 'HTTP://LOCALHOST:5173', s.httpUrl]) {
      expect(await upgradeStatus(s, { Origin: origin }), origin).toBe(101)
    }
    const refusal = await rawExchange(s, upgradeText(s, { Origin: 'http://evil.example' }))
    expect(refusal).toMatch(/^HTTP\/1\.1 403 /)
    expect(refusal).toContain('allowedOrigins')
  })

  it('the own origin is the Host the page was served from: another port of that host is another origin (403)', async () => {
    const s = await server()
    expect(await upgradeStatus(s, { Host: 'dash.example:8080', Origin: 'http://dash.example:8080' })).toBe(101)
    expect(await upgradeStatus(s, { Host: 'dash.example:8080', Origin: 'https://dash.example:8080' })).toBe(101)
    expect(await upgradeStatus(s, { Host: 'dash.example:8080', Origin: 'http://dash.example:9090' })).toBe(403)
    expect(await upgradeStatus(s, { Host: 'dash.example:8080', Origin: 'http://dash.example' })).toBe(403)
  })

  it('authenticate: 401 without a token, with a forged one, when the hook throws or answers ""; the token in Sec-WebSocket-Protocol is answered with another offered protocol, else itself', async () => {
    const authenticate = async (request: Parameters<typeof requestToken>[0]) => {
      const token = requestToken(request)
      if (token === 'boom') throw new Error('auth backend down')
      if (token === 'empty') return ''
      return token === 't-alice' ? 'alice' : undefined
    }
    const s = await server({ authenticate })
    for (const url of [s.url, `${s.url}?token=forged`, `${s.url}?token=boom`, `${s.url}?token=empty`]) {
      expect((await handshake(url)).status, url).toBe(401)
    }
    expect((await handshake(s.url, ['token.forged'])).status).toBe(401)
    expect(await rawExchange(s, upgradeText(s))).toMatch(/^HTTP\/1\.1 401 /)

    const both = await handshake(s.url, ['rtk-realtime', 'token.t-alice'])
    expect(both).toMatchObject({ status: 101, protocol: 'rtk-realtime' })
    const tokenOnly = await handshake(s.url, ['token.t-alice'])
    expect(tokenOnly).toMatchObject({ status: 101, protocol: 'token.t-alice' })
    const byQuery = await handshake(`${s.url}?token=t-alice`)
    expect(byQuery.status).toBe(101)
    for (const open of [both, tokenOnly, byQuery]) open.ws?.terminate()
  })

  it('every op and request carries the authenticated user, never a userId the client wrote', async () => {
    const seen: (string | undefined)[] = []
    const s = await server({
      authenticate: (request) => (requestToken(request) === 't-bob' ? 'bob' : undefined),
      messageHandlers: [['NOTE', (op: IdentifiedMessage, context) => (seen.push(op.userId, context.userId), { ok: true })]],
      requestHandlers: [['WHO', (request: IdentifiedMessage, context) => ({ request: request.userId ?? null, context: context.userId ?? null })]],
    })
    const bob = await connectClient(`${s.url}?token=t-bob`)
    bob.send({ type: 'NOTE', id: 'n-1', userId: 'mallory', data: { userId: 'mallory' } } as WireMessage)
    expect(await bob.next(replyTo('n-1'))).toMatchObject({ type: 'ACK' })
    bob.send({ type: 'WHO', id: 'r-1', userId: 'mallory' } as WireMessage)
    expect((await bob.next(replyTo('r-1'))).data).toEqual({ request: 'bob', context: 'bob' })
    expect(seen).toEqual(['bob', 'bob'])
    expect(s.received.filter((m) => m.id !== undefined).map((m) => m.userId)).toEqual(['bob', 'bob'])
  })
})

describe('review 9: handshake attacks on raw TCP', () => {
  it('over maxConnectionsPerAddress: 503 before the handshake, naming the limit; the sockets already in keep working', async () => {
    const s = await server({ limits: { maxConnectionsPerAddress: 3 } })
    const inside = [await connectClient(s.url), await connectClient(s.url), await connectClient(s.url)]
    const refusal = await rawExchange(s, upgradeText(s))
    expect(refusal).toMatch(/^HTTP\/1\.1 503 /)
    expect(refusal).toContain('maxConnectionsPerAddress')
    expect((await inside[2]!.request('ECHO', 'still here')).data).toBe('still here')
    // A connection that closes frees its place.
    await inside[0]!.close()
    await until(() => s.clientCount() === 2, 'the closed socket leaves')
    const again = await connectClient(s.url)
    expect((await again.request('ECHO', 1)).data).toBe(1)
  })

  it('slowloris: a half-sent upgrade is closed after handshakeTimeoutMs, while others connect', async () => {
    const s = await server({ limits: { handshakeTimeoutMs: 300 } })
    const started = performance.now()
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = netConnect(s.port, '127.0.0.1', () => socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`))
      socket.on('error', () => {})
      socket.on('close', () => resolve(performance.now() - started))
      socket.resume()
    })
    console.log(`[review9] a half-sent upgrade was closed after ${closedAfter.toFixed(0)} ms (handshakeTimeoutMs 300)`)
    expect(closedAfter).toBeGreaterThanOrEqual(250)
    expect(closedAfter).toBeLessThan(5_000)
  })

  it('an upgrade on another path gets 404', async () => {
    const s = await server()
    expect(await rawExchange(s, upgradeText(s, {}, '/other'))).toMatch(/^HTTP\/1\.1 404 /)
  })
})

describe('review 9: frames', () => {
  /** A generic op frame of exactly `bytes` bytes (ASCII). */
  const frameOf = (bytes: number, id: string): string => {
    const head = `{"type":"BLOB","id":"${id}","data":"`
    return `${head}${'a'.repeat(bytes - head.length - 2)}"}`
  }

  it('maxPayloadBytes: a frame of exactly 1 MiB is answered, one byte more closes the socket with 1009', async () => {
    const s = await server()
    const attacker = await connectClient(s.url)
    const exact = frameOf(MiB, 'exact')
    expect(Buffer.byteLength(exact)).toBe(MiB)
    attacker.send(exact)
    expect(await attacker.next(replyTo('exact'), 5_000)).toMatchObject({ type: 'ACK' })
    attacker.send(frameOf(MiB + 1, 'over'))
    expect((await attacker.closed).code).toBe(1009)
    const bystander = await connectClient(s.url)
    expect((await bystander.request('ECHO', 'ok')).data).toBe('ok')
  })

  it('maxDepth follows the package codec exactly, for small frames and for frames over 64 KiB', async () => {
    const s = await server({ widgets: [{ id: 'w-1', value: 0 }] })
    const attacker = await connectClient(s.url)
    const codec = createJsonCodec()
    for (const padding of [0, 70_000]) {
      for (const depth of [998, 999, 1000, 1001]) {
        const id = `d-${padding}-${depth}`
        const text = `{"type":"NOTE","id":"${id}","pad":"${'p'.repeat(padding)}","data":${'['.repeat(depth)}${']'.repeat(depth)}}`
        const packageAccepts = codec.decode(text).ok
        attacker.send(text)
        const answer = await attacker.next((m) => m.replyTo === id || (m.type === 'ERROR' && m.replyTo === undefined), 5_000)
        expect(answer.type === 'ACK', `${id}: package accepts ${packageAccepts}, server answered ${JSON.stringify(answer)}`).toBe(packageAccepts)
        if (!packageAccepts) expect(answer.data).toMatchObject({ reason: 'frame nests deeper than 1000 levels' })
      }
    }
  })

  it('forbidden keys nested inside arrays: a standalone op is NACKed naming the path; inside a BATCH the offending op is NACKed and its neighbours still answered', async () => {
    const s = await server({ widgets: [{ id: 'w-1', value: 1 }] })
    const attacker = await connectClient(s.url)
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const id = `solo-${key}`
      attacker.send(`{"type":"WIDGET_UPDATE","id":"${id}","data":{"id":"w-1","value":[{"a":[{"${key}":{"x":1}}]}]}}`)
      const answer = await attacker.next(replyTo(id))
      expect(answer).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining(`forbidden key data.value.0.a.0.${key}`) } })
    }
    attacker.send(
      '{"type":"BATCH","data":[' +
        '{"type":"WIDGET_UPDATE","id":"b-ok","data":{"id":"w-1","value":2}},' +
        '{"type":"WIDGET_UPDATE","id":"b-bad","data":{"id":"w-1","value":[[{"b":{"__proto__":{"polluted":true}}}]]}},' +
        '{"type":"WIDGET_UPDATE","id":"b-ok2","data":{"id":"w-1","label":"after"}}]}',
    )
    expect(await attacker.next(replyTo('b-ok'))).toMatchObject({ type: 'ACK' })
    expect(await attacker.next(replyTo('b-bad'))).toMatchObject({
      type: 'NACK',
      data: { retryable: false, reason: expect.stringContaining('forbidden key data.value.0.0.b.__proto__') },
    })
    expect(await attacker.next(replyTo('b-ok2'))).toMatchObject({ type: 'ACK' })
    expect(s.widget('w-1')).toMatchObject({ value: 2, label: 'after' })
    expect(JSON.stringify(s.widgets())).not.toContain('polluted')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a BATCH element is held to a standalone frame\'s depth: what the codec accepts alone is ACKed inside a BATCH, one level more is NACKed alone', async () => {
    const s = await server()
    const attacker = await connectClient(s.url)
    const codec = createJsonCodec()
    const element = (id: string, depth: number, padding: number) => `{"type":"NOTE","id":"${id}","pad":"${'p'.repeat(padding)}","data":${'['.repeat(depth)}${']'.repeat(depth)}}`
    for (const padding of [0, 70_000]) {
      const deepest = [998, 999, 1000, 1001].filter((depth) => codec.decode(element('x', depth, 0)).ok).at(-1)!
      attacker.send(`{"type":"BATCH","data":[${element(`fits-${padding}`, deepest, padding)},${element(`deep-${padding}`, deepest + 1, 0)},{"type":"NOTE","id":"next-${padding}"}]}`)
      expect(await attacker.next(replyTo(`fits-${padding}`), 5_000)).toMatchObject({ type: 'ACK' })
      expect(await attacker.next(replyTo(`deep-${padding}`))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('frame nests deeper than 1000 levels') } })
      expect(await attacker.next(replyTo(`next-${padding}`))).toMatchObject({ type: 'ACK' })
    }
  })

  it('maxBatchMessages: a BATCH of 1,000 is answered message by message, one of 1,001 is refused whole with an ERROR naming the limit', async () => {
    const s = await server({ limits: { rateLimit: false } })
    const attacker = await connectClient(s.url)
    const batch = (n: number, prefix: string) => ({ type: 'BATCH', data: Array.from({ length: n }, (_, i) => ({ type: 'NOTE', id: `${prefix}-${i}` })) })
    attacker.send(batch(1_000, 'fits'))
    expect(await attacker.next(replyTo('fits-999'), 5_000)).toMatchObject({ type: 'ACK' })
    attacker.send(batch(1_001, 'over'))
    const refusal = await attacker.next((m) => m.type === 'ERROR', 5_000)
    expect(refusal.data).toMatchObject({ reason: expect.stringContaining('limits.maxBatchMessages') })
    expect(s.appliedCount('over-0')).toBe(0)
    expect((await attacker.request('ECHO', 'after')).data).toBe('after')
    expect(attacker.messages.some((m) => typeof m.replyTo === 'string' && m.replyTo.startsWith('over-'))).toBe(false)
  })

  it('maxIdLength: an id of 256 characters is answered, 257 is refused', async () => {
    const s = await server()
    const attacker = await connectClient(s.url)
    attacker.send({ type: 'NOTE', id: 'i'.repeat(256) })
    expect(await attacker.next(replyTo('i'.repeat(256)))).toMatchObject({ type: 'ACK' })
    attacker.send({ type: 'NOTE', id: 'j'.repeat(257) })
    expect(await attacker.next((m) => m.type === 'ERROR')).toMatchObject({ data: { reason: expect.stringContaining('256') } })
    // A usable id with a type too long: an op refused, so a NACK the client can roll back on.
    attacker.send({ type: 'T'.repeat(257), id: 'long-type' })
    expect(await attacker.next(replyTo('long-type'))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: 'type longer than 256 characters' } })
  })

  it('a handler that throws answers that frame only: op NACK, request ERROR (sync and async), and the next frame is served', async () => {
    const s = await server({
      messageHandlers: [['EXPLODE', () => { throw new TypeError('op handler blew up') }]],
      requestHandlers: [
        ['THROWS', () => { throw new Error('request handler blew up') }],
        ['REJECTS', () => Promise.reject(new Error('async handler blew up'))],
      ],
    })
    const attacker = await connectClient(s.url)
    attacker.send({ type: 'EXPLODE', id: 'x-1' })
    expect(await attacker.next(replyTo('x-1'))).toMatchObject({ type: 'NACK', data: { reason: 'op handler blew up', retryable: false } })
    expect(s.appliedCount('x-1')).toBe(0)
    attacker.send({ type: 'THROWS', id: 'x-2' })
    expect(await attacker.next(replyTo('x-2'))).toMatchObject({ type: 'ERROR', data: { reason: 'request handler blew up' } })
    attacker.send({ type: 'REJECTS', id: 'x-3' })
    expect(await attacker.next(replyTo('x-3'))).toMatchObject({ type: 'ERROR', data: { reason: 'async handler blew up' } })
    expect((await attacker.request('ECHO', 'alive')).data).toBe('alive')
  })
})

describe('review 9: limits with clear answers', () => {
  it('rate limit: an op past the bucket gets NACK { reason: rate_limited, retryable: true } echoing its attempt, a request ERROR rate_limited, PINGs stay free', async () => {
    const s = await server({ limits: { rateLimit: { opsPerSecond: 0.001, burst: 2 } } })
    const attacker = await connectClient(s.url)
    for (let i = 1; i <= 4; i++) attacker.send({ type: 'NOTE', id: `r-${i}`, attempt: i } as WireMessage)
    expect(await attacker.next(replyTo('r-1'))).toMatchObject({ type: 'ACK' })
    expect(await attacker.next(replyTo('r-2'))).toMatchObject({ type: 'ACK' })
    expect(await attacker.next(replyTo('r-3'))).toEqual({ type: 'NACK', replyTo: 'r-3', attempt: 3, data: { reason: 'rate_limited', retryable: true } })
    expect(await attacker.next(replyTo('r-4'))).toEqual({ type: 'NACK', replyTo: 'r-4', attempt: 4, data: { reason: 'rate_limited', retryable: true } })
    attacker.send({ type: 'ECHO', id: 'q-1', data: 1 })
    expect(await attacker.next(replyTo('q-1'))).toMatchObject({ type: 'ERROR', data: { reason: 'rate_limited' } })
    attacker.send({ type: 'PING', id: 'p-1', data: { ts: 5 } })
    expect(await attacker.next(replyTo('p-1'))).toMatchObject({ type: 'PONG', data: { ts: 5 } })
    expect(s.appliedCount('r-3')).toBe(0)
    // Per connection: another socket has its own bucket.
    const other = await connectClient(s.url)
    expect((await other.request('ECHO', 2)).data).toBe(2)
  })

  it('the default bucket: 2,000 ops sent at once, about the burst of 1,000 ACKed and the rest rate_limited', async () => {
    const s = await server()
    const attacker = await connectClient(s.url)
    const batch = (prefix: string) => ({ type: 'BATCH', data: Array.from({ length: 1_000 }, (_, i) => ({ type: 'NOTE', id: `${prefix}-${i}` })) })
    attacker.send(batch('a'))
    attacker.send(batch('b'))
    await attacker.next(replyTo('b-999'), 10_000)
    const answers = attacker.messages.filter((m) => m.type === 'ACK' || m.type === 'NACK')
    const acked = answers.filter((m) => m.type === 'ACK').length
    const limited = answers.filter((m) => m.type === 'NACK' && (m.data as { reason?: string }).reason === 'rate_limited').length
    console.log(`[review9] default rate limit: ${acked} ACKed, ${limited} rate_limited of 2,000`)
    expect(acked + limited).toBe(2_000)
    expect(acked).toBeGreaterThanOrEqual(1_000)
    expect(limited).toBeGreaterThan(0)
  })

  it('widget caps: over maxWidgetBytes or maxWidgets a NACK { retryable: false } naming the limit, and nothing changes', async () => {
    const s = await server({ widgets: [{ id: 'w-1', value: 1 }], limits: { maxWidgets: 2 } })
    const attacker = await connectClient(s.url)
    attacker.send({ type: 'WIDGET_UPDATE', id: 'big', data: { id: 'w-1', value: 'x'.repeat(8_192) } })
    expect(await attacker.next(replyTo('big'))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('maxWidgetBytes') } })
    expect(s.widget('w-1')).toEqual({ id: 'w-1', value: 1, version: 1 })
    attacker.send({ type: 'WIDGET_CREATE', id: 'c-2', data: { id: 'w-2', value: 2 } })
    expect(await attacker.next(replyTo('c-2'))).toMatchObject({ type: 'ACK' })
    attacker.send({ type: 'WIDGET_CREATE', id: 'c-3', data: { id: 'w-3', value: 3 } })
    expect(await attacker.next(replyTo('c-3'))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('maxWidgets') } })
    expect(s.widget('w-3')).toBeUndefined()
    expect(s.widgets()).toHaveLength(2)
  })

  it('bad limits throw naming the option; Infinity lifts a limit and rateLimit: false turns the bucket off', async () => {
    await expect(server({ limits: { maxDepth: 0 } })).rejects.toThrow(/startServer\(\{ limits \}\): maxDepth must be a number > 0/)
    await expect(server({ limits: { maxBatchMessages: Number.NaN } })).rejects.toThrow(/maxBatchMessages/)
    await expect(server({ limits: { rateLimit: { opsPerSecond: 0, burst: 1 } } })).rejects.toThrow(/rateLimit/)
    const s = await server({ limits: { maxPayloadBytes: Infinity, rateLimit: false } })
    const attacker = await connectClient(s.url)
    attacker.send({ type: 'BATCH', data: Array.from({ length: 1_000 }, (_, i) => ({ type: 'NOTE', id: `u-${i}` })) })
    attacker.send({ type: 'BATCH', data: Array.from({ length: 1_000 }, (_, i) => ({ type: 'NOTE', id: `v-${i}` })) })
    await attacker.next(replyTo('v-999'), 5_000)
    expect(attacker.messages.filter((m) => m.type === 'ACK')).toHaveLength(2_000)
    attacker.send({ type: 'NOTE', id: 'large', data: 'x'.repeat(2 * MiB) })
    expect(await attacker.next(replyTo('large'), 5_000)).toMatchObject({ type: 'ACK' })
  })

  it('maxReceivedBytes bounds server.received by bytes, oldest dropped first', async () => {
    const s = await server({ limits: { maxReceivedBytes: 10_000 } })
    const attacker = await connectClient(s.url)
    for (let i = 0; i < 50; i++) attacker.send({ type: 'NOTE', id: `m-${i}`, data: 'x'.repeat(1_000) })
    await attacker.next(replyTo('m-49'))
    const kept = s.received.reduce((sum, m) => sum + JSON.stringify(m).length, 0)
    expect(kept).toBeLessThanOrEqual(10_000 + 2_000)
    expect(s.received.at(-1)?.id).toBe('m-49')
    expect(s.received.some((m) => m.id === 'm-0')).toBe(false)
  })
})

describe('review 9: static files', () => {
  const SECURITY = {
    'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  }

  it('refuses dotfiles however the path is spelled, with the security headers on every answer', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const path = await import('node:path')
    const root = mkdtempSync(path.join(tmpdir(), 'review9-static-'))
    writeFileSync(path.join(root, 'index.html'), '<!doctype html>')
    writeFileSync(path.join(root, '.env'), 'SECRET=1')
    mkdirSync(path.join(root, '.git'))
    writeFileSync(path.join(root, '.git', 'config'), '[core]')
    mkdirSync(path.join(root, 'a'))
    const s = await server({ staticDir: root })
    for (const spelling of ['/.env', '/%2eenv', '/%2Eenv', '/a/../.env', '/a/%2e%2e/.env', '/a/..%2f.env', '/.git/config', '/%2egit/config', '/a/%5c.env', '/.env?x=1', '/./.env']) {
      const answer = await get(s, spelling)
      expect(answer.status, spelling).toBeGreaterThanOrEqual(400)
      expect(answer.status, spelling).toBeLessThan(500)
      expect(answer.headers, spelling).toMatchObject(SECURITY)
    }
    expect(await get(s, '/.env')).toMatchObject({ status: 404 })
    const index = await get(s, '/')
    expect(index).toMatchObject({ status: 200, headers: SECURITY })
    expect(index.headers['content-security-policy']).toContain("script-src 'self'")
    expect(index.headers['content-security-policy']).toContain("connect-src 'self'")
    expect(await get(s, '/missing.js')).toMatchObject({ status: 404, headers: SECURITY })
  })

  it('the security headers are on the 404 of a server without a static directory too', async () => {
    const s = await server()
    expect(await get(s, '/')).toMatchObject({ status: 404, headers: SECURITY })
  })
})

describe('review 9: slow or odd handshakes', () => {
  it('the own origin is matched whatever the case of the Host header (host names are case-insensitive)', async () => {
    const s = await server()
    expect(await upgradeStatus(s, { Host: 'Dash.Example:8080', Origin: 'http://dash.example:8080' })).toBe(101)
    expect(await upgradeStatus(s, { Host: 'Dash.Example:8080', Origin: 'http://dash.example:9090' })).toBe(403)
  })

  it('an authenticate hook that never answers: the upgrade is refused with 503 after handshakeTimeoutMs, not held for ever', async () => {
    const s = await server({ authenticate: () => new Promise<string>(() => {}), limits: { handshakeTimeoutMs: 300 } })
    const started = performance.now()
    const answer = await rawExchange(s, upgradeText(s))
    const tookMs = performance.now() - started
    console.log(`[review9] a hanging authenticate was refused after ${tookMs.toFixed(0)} ms (handshakeTimeoutMs 300)`)
    expect(answer).toMatch(/^HTTP\/1\.1 503 /)
    expect(answer).toContain('handshakeTimeoutMs')
    expect(tookMs).toBeLessThan(5_000)
    expect(s.clientCount()).toBe(0)
  })

  it('stop() ends an upgrade still waiting on authenticate at once', async () => {
    let asked = 0
    const s = await server({ authenticate: () => (asked++, new Promise<string>(() => {})) })
    const closed = rawExchange(s, upgradeText(s))
    await until(() => asked === 1, 'authenticate is asked')
    await s.stop()
    expect(await closed).toBe('')
  })
})
