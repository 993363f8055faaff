import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, createClient, startTestServer } from './support/harness'

afterEach(cleanup)

const HEARTBEAT_INTERVAL = 200
const PONG_TIMEOUT = 150
// Timer and socket scheduling on a loaded machine; the bound is interval + timeout + this.
const SCHEDULING_MARGIN = 100

describe('heartbeat', () => {
  it('detects a server that stops answering PING within HEARTBEAT_INTERVAL + PONG_TIMEOUT, then reconnects', async () => {
    const server = await startTestServer()
    const client = createClient({
      url: server.url,
      config: { websocket: { HEARTBEAT_INTERVAL, PONG_TIMEOUT } },
    })
    await client.waitForStatus('open')
    const { pongReceived, closed, opened } = client.actions

    // The heartbeat is running and answered: a PONG came back.
    await client.waitForAction(pongReceived.type)
    expect(typeof client.connection().latencyMs).toBe('number')

    // The connection goes half-open: the socket stays up, PINGs go unanswered.
    const faultAt = performance.now()
    const from = client.log.length
    server.faults.answerPing = false

    const dead = await client.waitForAction(closed.type, from, 3000)
    const detectedAfter = dead.at - faultAt
    expect(dead.action).toMatchObject({
      payload: { close: { code: 4000, wasClean: false, reason: expect.stringContaining('heartbeat timeout') }, byUser: false },
    })
    expect(detectedAfter, `detected after ${detectedAfter.toFixed(1)} ms`).toBeLessThanOrEqual(
      HEARTBEAT_INTERVAL + PONG_TIMEOUT + SCHEDULING_MARGIN,
    )
    expect(client.connection()).toMatchObject({ status: 'reconnecting', lastClose: { code: 4000 } })

    // The server answers again: the client reconnects by itself and measures latency anew.
    server.faults.answerPing = true
    const reopened = await client.waitForAction(opened.type, from)
    await client.waitForAction(pongReceived.type, client.log.indexOf(reopened))
    expect(client.connection().status).toBe('open')
    const latency = client.connection().latencyMs
    expect(typeof latency).toBe('number')
    expect(latency).toBeGreaterThanOrEqual(0)
    expect(latency).toBeLessThan(PONG_TIMEOUT)
    console.info(`[heartbeat] dead socket detected ${detectedAfter.toFixed(1)} ms after the fault; latency ${latency} ms`)
  })
})
