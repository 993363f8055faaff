import { connect as tcpConnect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { DEFAULT_LIMITS } from '../../examples/server/limits'
import type { WireMessage } from '../../examples/server/types'
import { until } from './support/harness'
import { arena, cleanupAttacks, connectClient, expectResponsive, memoryMb, pingText, pingsDuring, report } from './support/attack'

/**
 * Floods against the real reference server: each limit answers with a clear reason, the
 * bystander's PING stays fast, and memory stays bounded.
 */
afterEach(cleanupAttacks)

/** Opens a raw `ws` socket; resolves with it, or with the status line of a refused handshake. */
function rawSocket(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options)
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => resolve(`${res.statusCode}`))
    ws.once('error', (error) => resolve(error.message))
  })
}

describe('attacks: floods', () => {
  it('rate-limits ops per connection: over the burst, NACK { reason: rate_limited, retryable: true }', async () => {
    const { server, bystander } = await arena({ widgets: [{ id: 'w-1', value: 0 }] })
    const attacker = await connectClient(server.url)
    const total = 5_000
    const flood = (async () => {
      // 20 frames per turn of the event loop, as they would arrive from the network (the
      // attacker's client shares this process: it must not hog it either).
      for (let i = 0; i < total; i++) {
        attacker.send({ type: 'WIDGET_UPDATE', id: `op-${i}`, data: { id: 'w-1', value: i } })
        if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve))
      }
      await attacker.next((m) => m.replyTo === `op-${total - 1}`, 10_000)
    })()
    const started = performance.now()
    const pings = await pingsDuring(bystander, flood)
    const seconds = (performance.now() - started) / 1000
    const answers = attacker.messages.filter((m) => m.type === 'ACK' || m.type === 'NACK')
    const limited = answers.filter((m) => m.type === 'NACK')
    report(`${total} ops in ${seconds.toFixed(2)} s`, { acked: answers.length - limited.length, rateLimited: limited.length, ping: pingText(pings) })
    expect(answers).toHaveLength(total)
    const rate = DEFAULT_LIMITS.rateLimit as { burst: number; opsPerSecond: number }
    expect(answers.length - limited.length).toBeGreaterThanOrEqual(rate.burst)
    expect(answers.length - limited.length).toBeLessThanOrEqual(rate.burst + Math.ceil(rate.opsPerSecond * seconds))
    expect(limited[0]).toMatchObject({ data: { reason: 'rate_limited', retryable: true } })
    // Refused ops were not applied: the version counts the accepted ones only.
    expect(server.widget('w-1')?.version).toBe(1 + answers.length - limited.length)
    expectResponsive(pings)
  })

  it('refuses a BATCH of 50,000 messages whole, naming the limit, without stalling anyone', async () => {
    const { server, bystander } = await arena()
    const attacker = await connectClient(server.url)
    // The BATCH of 50,000 widget ops is 3 MB: the frame limit closes the socket (1009).
    const ops = Array.from({ length: 50_000 }, (_, i) => ({ type: 'WIDGET_CREATE', id: `b-${i}`, data: { id: `w-${i}` } }))
    attacker.send({ type: 'BATCH', data: ops })
    expect((await attacker.closed).code).toBe(1009)
    // 50,000 of the smallest messages fit in a frame: the BATCH limit refuses them.
    const small = await connectClient(server.url)
    small.send(`{"type":"BATCH","data":[${Array.from({ length: 50_000 }, () => '{"type":"N"}').join(',')}]}`)
    const pings = await pingsDuring(bystander, small.next((m) => m.type === 'ERROR', 5_000))
    report('BATCH of 50,000 messages', { ping: pingText(pings), widgets: server.widgets().length, received: server.received.length })
    expect(small.messages.find((m) => m.type === 'ERROR')?.data).toEqual({
      reason: `BATCH of 50000 messages exceeds the limit of ${DEFAULT_LIMITS.maxBatchMessages} (limits.maxBatchMessages)`,
    })
    expect(server.widgets()).toEqual([])
    expect(server.received).toEqual([])
    expectResponsive(pings)
  })

  it('closes a client that floods and never reads (1013), memory bounded, the bystander served', async () => {
    const { server, bystander } = await arena({ limits: { maxBufferedBytes: 1_048_576 } })
    const attacker = await connectClient(server.url)
    // Reads nothing from now on: every reply piles up in the kernel, then in the server.
    ;(attacker.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const before = memoryMb()
    const payload = 'z'.repeat(200_000)
    const flood = (async () => {
      for (let i = 0; i < 400 && server.clientCount() === 2; i++) {
        attacker.send({ type: 'ECHO', id: `e-${i}`, data: payload })
        await new Promise((resolve) => setImmediate(resolve))
      }
      // A timeout here is reported by the clientCount expectation below, with the figures.
      await until(() => server.clientCount() <= 1, 'the server closed the flooding client', 5_000).catch(() => undefined)
    })()
    const pings = await pingsDuring(bystander, flood)
    const after = memoryMb()
    report('flood without reading', { clientsLeft: server.clientCount(), ping: pingText(pings), rssMb: `${before.rss} -> ${after.rss}` })
    expect(server.clientCount()).toBe(1)
    ;(attacker.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    expect((await attacker.closed).code).toBe(1013)
    expect(after.rss - before.rss).toBeLessThan(150)
    expectResponsive(pings)
  })

  it('caps connections per address (503 past it) and keeps serving those in', async () => {
    const { server, bystander } = await arena({ limits: { maxConnectionsPerAddress: 50 } })
    const results = await Promise.all(Array.from({ length: 60 }, () => rawSocket(server.url)))
    const open = results.filter((r): r is WebSocket => typeof r !== 'string')
    const refused = results.filter((r) => typeof r === 'string')
    report('60 sockets, cap 50', { open: open.length + 1, refused: refused.length, refusal: refused[0] })
    expect(open).toHaveLength(49) // the bystander is the 50th
    expect(refused.every((r) => r === '503')).toBe(true)
    for (const ws of open) ws.terminate()
    expect((await bystander.request('ECHO', 'in')).data).toBe('in')
  })

  it('the default cap refuses the 257th socket from one address', async () => {
    expect(DEFAULT_LIMITS.maxConnectionsPerAddress).toBe(256)
    const { server } = await arena()
    const results = await Promise.all(Array.from({ length: 300 }, () => rawSocket(server.url)))
    const open = results.filter((r): r is WebSocket => typeof r !== 'string')
    for (const ws of open) ws.terminate()
    expect(open).toHaveLength(255)
  })

  it('cuts slow handshakes (slowloris): 200 half-sent upgrades closed after the handshake timeout', async () => {
    expect(DEFAULT_LIMITS.handshakeTimeoutMs).toBe(10_000)
    const { server, bystander } = await arena({ limits: { handshakeTimeoutMs: 300 } })
    const started = performance.now()
    const closedAfter = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<number>((resolve) => {
            const socket = tcpConnect(server.port, '127.0.0.1', () => socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'))
            socket.on('error', () => {})
            socket.on('close', () => resolve(performance.now() - started))
          }),
      ),
    )
    const slowest = Math.max(...closedAfter)
    report('200 slowloris handshakes', { allClosedAfterMs: slowest.toFixed(0) })
    expect(slowest).toBeLessThan(3_000)
    expect((await bystander.request('ECHO', 'ok')).data).toBe('ok')
  })
})

describe('attacks: every refusal names its reason', () => {
  it('an over-long id and a message that is not an object', async () => {
    const { server } = await arena()
    const attacker = await connectClient(server.url)
    attacker.send({ type: 'WIDGET_UPDATE', id: 'x'.repeat(300), data: {} })
    attacker.send('[1,2]')
    const errors: WireMessage[] = [await attacker.next((m) => m.type === 'ERROR'), await attacker.next((m) => m.type === 'ERROR')]
    expect(errors.map((m) => (m.data as { reason: string }).reason)).toEqual(['id longer than 256 characters', 'frame is not a JSON object'])
  })
})
