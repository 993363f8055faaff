import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { cleanup, createClient, startTestServer, until } from './support/harness'
import { createWidgetClient } from './support/widgetClient'

/**
 * Independent review of issue 9's client points, written from the README only: the package
 * client against the real reference server on 127.0.0.1.
 */
afterEach(cleanup)

const MiB = 1_048_576

describe('review 9: the package client', () => {
  it('each send past MAX_BUFFERED_SENDS gets its own sendRefused with the message type; lastError is cleared on the next open and the buffered ones go out in order', async () => {
    const server = await startTestServer()
    const client = createClient({ url: server.url, config: { websocket: { MAX_BUFFERED_SENDS: 2 } } })
    await client.waitForStatus('open')
    client.disconnect()
    await client.waitForStatus('closed')
    const { send } = client.actions
    client.store.dispatch(send('FIRST', 1))
    client.store.dispatch(send('SECOND', 2))
    client.store.dispatch(send('THIRD', 3))
    client.store.dispatch(send('FOURTH', 4))
    const refusals = client.payloads<{ type: string; code: string; reason: string; at: number }>(client.actions.sendRefused.type)
    expect(refusals.map((r) => [r.type, r.code])).toEqual([
      ['THIRD', 'BUFFER_FULL'],
      ['FOURTH', 'BUFFER_FULL'],
    ])
    expect(refusals[0]!.reason).toContain('MAX_BUFFERED_SENDS')
    expect(typeof refusals[0]!.at).toBe('number')
    // Each refusal right after the action it refuses.
    const types = client.log.map((r) => r.action.type)
    const thirdSend = client.log.findIndex((r) => r.action.type === send.type && (r.action.payload as { type: string }).type === 'THIRD')
    expect(types[thirdSend + 1]).toBe(client.actions.sendRefused.type)
    expect(client.connection().lastError).toMatchObject({ code: 'BUFFER_FULL' })

    // A refused request: its own sendRefused with its requestId, and its promise rejects with BUFFER_FULL.
    const refused = client.store.dispatch(client.realtime.request('ECHO', 'x'))
    await expect(refused).rejects.toMatchObject({ code: 'BUFFER_FULL' })
    const last = client.payloads<{ type: string; requestId?: string }>(client.actions.sendRefused.type).at(-1)!
    expect(last.type).toBe('ECHO')
    expect(typeof last.requestId).toBe('string')

    client.store.dispatch(client.actions.connect())
    await client.waitForStatus('open')
    expect(client.connection().lastError).toBeNull()
    await until(() => server.received.some((m) => m.type === 'SECOND'), 'the buffered sends reach the server')
    expect(server.received.map((m) => m.type).filter((t) => t !== 'PING')).toEqual(['FIRST', 'SECOND'])
  })

  it('disconnect() fails a pending request at once with DISCONNECTED, long before its timeout', async () => {
    const server = await startTestServer({ faults: { dropReplies: true } })
    const client = createClient({ url: server.url })
    await client.waitForStatus('open')
    const pending = client.store.dispatch(client.realtime.request('ECHO', 'never answered', { timeout: 60_000 }))
    await until(() => server.received.some((m) => m.type === 'ECHO'), 'the request reaches the server')
    const started = performance.now()
    client.disconnect()
    const error = await pending.then(
      () => null,
      (e: { name: string; code: string; message: string }) => e,
    )
    const tookMs = performance.now() - started
    console.log(`[review9] disconnect() failed the pending request after ${tookMs.toFixed(1)} ms`)
    expect(error).toMatchObject({ name: 'DisconnectedError', code: 'DISCONNECTED' })
    expect(error!.message).toContain('ECHO')
    expect(tookMs).toBeLessThan(1_000)
    expect(client.payloads<{ error: { code: string } }>(client.actions.requestFailed.type).map((p) => p.error.code)).toEqual(['DISCONNECTED'])

    // A request still buffered (sent while not open) fails the same way.
    const buffered = client.store.dispatch(client.realtime.request('ECHO', 'buffered', { timeout: 60_000 }))
    client.disconnect()
    await expect(buffered).rejects.toMatchObject({ code: 'DISCONNECTED' })
  })

  it('passes maxPayload = MAX_FRAME_BYTES to the ws constructor, so an oversized frame closes the socket with 1009', async () => {
    const calls: unknown[][] = []
    class SpyWebSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args)
        calls.push(args)
      }
    }
    const server = await startTestServer()
    const client = createClient({ url: server.url, WebSocket: SpyWebSocket as unknown as typeof WebSocket, config: { websocket: { MAX_FRAME_BYTES: 64 * 1024 } } })
    await client.waitForStatus('open')
    expect(calls[0]).toEqual([server.url, undefined, { maxPayload: 64 * 1024 }])

    const defaults = createClient({ url: server.url, WebSocket: SpyWebSocket as unknown as typeof WebSocket })
    await defaults.waitForStatus('open')
    expect(calls[1]).toEqual([server.url, undefined, { maxPayload: MiB }])

    await server.waitForClients(2)
    server.sendRaw(JSON.stringify({ type: 'BIG', data: 'x'.repeat(100 * 1024) }))
    await until(() => client.connection().lastClose?.code === 1009, () => `a close with 1009 (lastClose ${JSON.stringify(client.connection().lastClose)})`)
    expect(client.connection().lastError).toMatchObject({ code: 'FRAME_TOO_LARGE' })
    expect(client.payloads<{ code: string }>(client.actions.messageRejected.type).map((p) => p.code)).toContain('frame_too_large')
    // The client with the default 1 MiB took the same 100 KiB frame.
    expect(defaults.connection().lastClose).toBeNull()
  })

  it('ops over the server rate limit get NACK rate_limited, retryable: the client backs off and every op lands, none rolled back', async () => {
    const ids = ['w-1', 'w-2', 'w-3', 'w-4', 'w-5']
    const server = await startTestServer({ widgets: ids.map((id) => ({ id, value: 0 })), limits: { rateLimit: { opsPerSecond: 40, burst: 4 } } })
    const client = createWidgetClient({ url: server.url, config: { backgroundSync: { RETRY_DELAY: 100, RETRY_MAX_DELAY: 400 } } })
    await client.waitForStatus('open')
    await until(() => client.view('w-5') !== undefined, 'the first SYNC loads the widgets')
    for (let round = 1; round <= 4; round++) for (const id of ids) client.update(id, round * 10)
    await until(() => client.pendingCount() === 0, () => `every op settles (${client.pendingCount()} pending)`, 15_000)
    const limited = client.log.filter((r) => JSON.stringify(r.action).includes('rate_limited')).length
    console.log(`[review9] 20 ops over a 40/s bucket of 4: ${limited} actions mention rate_limited`)
    expect(limited).toBeGreaterThan(0)
    expect([...client.allRollbacks.values()]).toEqual([])
    for (const id of ids) expect(server.widget(id)).toMatchObject({ value: 40 })
    for (const id of ids) expect(client.view(id)).toMatchObject({ value: 40 })
  })
})
