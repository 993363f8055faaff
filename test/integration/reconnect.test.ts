import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { cleanup, createClient, seededRandom, startTestServer, until, type Client } from './support/harness'

afterEach(cleanup)

const BASE = 50
const CAP = 200
// At most 1/3, so the windows of consecutive uncapped attempts cannot overlap and a later
// attempt's delay can never be shorter than an earlier one's.
const JITTER = 0.3

const nominal = (attempt: number) => Math.min(CAP, BASE * 2 ** (attempt - 1))

interface Scheduled {
  attempt: number
  delayMs: number
  nextRetryAt: number
}

/** The reconnect schedule the client announced, with when each attempt actually started. */
function schedule(client: Client, from: number) {
  const log = client.log.slice(from)
  return log
    .filter((r) => r.action.type === client.actions.reconnectScheduled.type)
    .map((r) => {
      const payload = (r.action as unknown as { payload: Scheduled }).payload
      const next = log.find(
        (n) =>
          n.at >= r.at &&
          n.action.type === client.actions.connecting.type &&
          (n.action as unknown as { payload: { attempt: number } }).payload.attempt === payload.attempt,
      )
      return { ...payload, waitedMs: next ? next.at - r.at : null }
    })
}

describe('server restart', () => {
  it('reconnects with backoff to a server restarted on the same port, then messages flow both ways', async () => {
    const first = await startTestServer()
    const port = first.port
    const client = createClient({
      url: first.url,
      inbound: { NEWS: 'news/received' },
      random: seededRandom(20240601),
      config: {
        websocket: { RECONNECT_DELAY: BASE, RECONNECT_MAX_DELAY: CAP, RECONNECT_JITTER: JITTER, RECONNECT_ATTEMPTS: 50 },
      },
    })
    await client.waitForStatus('open')
    first.broadcast('NEWS', { before: 'restart' })
    await until(() => client.payloads('news/received').length === 1, 'the broadcast before the restart')

    const killedAt = client.log.length
    await first.stop()
    await client.waitForStatus('reconnecting')
    const closed = await client.waitForAction(client.actions.closed.type, killedAt)
    expect(closed.action).toMatchObject({ payload: { close: { code: 1006, wasClean: false }, byUser: false } })

    // Let the backoff grow for a few refused attempts.
    await until(() => schedule(client, killedAt).length >= 3, 'three reconnects scheduled')
    expect(client.connection().status).toBe('reconnecting')

    // Sent while the server is down: held in order, delivered to the new server.
    client.store.dispatch(client.actions.send('NOTE', { written: 'while down' }))
    expect(client.connection().buffer).toEqual([{ type: 'NOTE', data: { written: 'while down' } }])

    const second = await startTestServer({ port })
    expect(second.port).toBe(port)
    await client.waitForStatus('open')
    expect(client.connection()).toMatchObject({ attempt: 0, nextRetryAt: null, buffer: [] })

    await until(() => second.received.length > 0, 'the buffered send to reach the new server')
    expect(second.received).toEqual([{ type: 'NOTE', data: { written: 'while down' } }])

    await second.waitForClients(1)
    second.broadcast('NEWS', { after: 'restart' })
    await until(() => client.payloads('news/received').length === 2, 'the broadcast after the restart')
    expect(client.payloads('news/received')).toEqual([{ before: 'restart' }, { after: 'restart' }])

    // The backoff schedule: attempts 1, 2, 3, ... each within the jitter window of its nominal
    // delay, never shorter than an earlier attempt's, and the socket really waited that long.
    const retries = schedule(client, killedAt)
    expect(retries.length).toBeGreaterThanOrEqual(3)
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, k) => k + 1))
    for (const { attempt, delayMs, waitedMs } of retries) {
      const d = nominal(attempt)
      expect(delayMs, `attempt ${attempt}`).toBeGreaterThanOrEqual(Math.floor(d * (1 - JITTER)))
      expect(delayMs, `attempt ${attempt}`).toBeLessThanOrEqual(Math.min(CAP, Math.ceil(d * (1 + JITTER))))
      if (waitedMs !== null) expect(waitedMs, `attempt ${attempt} waited`).toBeGreaterThanOrEqual(delayMs - 2)
    }
    // Once capped, consecutive delays are all drawn from the same window [CAP·(1−j), CAP], so
    // jitter alone may order them either way; before the cap they must grow.
    for (let k = 1; k < retries.length; k++) {
      if (nominal(k + 1) > nominal(k)) {
        expect(retries[k]!.delayMs, `attempt ${k + 1} vs attempt ${k}`).toBeGreaterThanOrEqual(retries[k - 1]!.delayMs)
      }
    }
    // Each refused attempt is recorded as a failure before the next is scheduled.
    expect(client.ofType(client.actions.connectFailed.type).length).toBeGreaterThanOrEqual(retries.length - 1)
    expect(client.ofType(client.actions.gaveUp.type)).toHaveLength(0)
  })

  it('calls an async url function once per attempt, across a restart, and connects with its token', async () => {
    const server = await startTestServer()
    const port = server.port
    const calls: number[] = []
    const constructed: string[] = []
    // Records the URL each socket was really opened with.
    class RecordingWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols)
        constructed.push(address)
      }
    }
    const url = async () => {
      calls.push(calls.length + 1)
      await new Promise((resolve) => setImmediate(resolve)) // e.g. fetching a fresh token: resolves later, not at once
      return `${server.url}?token=t${calls.length}`
    }
    const client = createClient({ url, WebSocket: RecordingWebSocket })
    await client.waitForStatus('open')
    expect(calls).toEqual([1])
    expect(constructed).toEqual([`${server.url}?token=t1`])

    const killedAt = client.log.length
    await server.stop()
    await until(() => client.ofType(client.actions.connectFailed.type).length >= 2, 'two refused attempts')
    const again = await startTestServer({ port })
    await client.waitForStatus('open')
    // The refused attempts said why; the open that followed cleared lastError.
    expect(client.payloads<{ error: { code: string } }>(client.actions.connectFailed.type).map((p) => p.error.code)).toContain('CLOSED_BEFORE_OPEN')
    expect(client.connection().lastError).toBeNull()
    await again.waitForClients(1)

    const attempts = client.ofType(client.actions.connecting.type).length
    expect(attempts).toBeGreaterThanOrEqual(4) // the first connect, two refused, one that opened
    expect(calls).toHaveLength(attempts)
    expect(constructed).toEqual(calls.map((n) => `${server.url}?token=t${n}`))
    expect(client.log.slice(killedAt).some((r) => r.action.type === client.actions.opened.type)).toBe(true)
    // The server only learns the token from the upgrade request, which examples/server does not expose;
    // the fresh token per attempt is checked on the client side above.
  })
})
