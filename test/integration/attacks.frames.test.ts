import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { demoWidgets, startDemoTicker } from '../../examples/server/demo'
import { DEFAULT_LIMITS } from '../../examples/server/limits'
import type { WireMessage } from '../../examples/server/types'
import { DEFAULT_MAX_FRAME_BYTES } from '../../src/protocol/jsonCodec'
import { decodeClientFrame } from '../../examples/server/protocol'
import { WORST_PING_BOUND_MS, arena, cleanupAttacks, connectClient, expectResponsive, memoryMb, pingText, pingsDuring, report } from './support/attack'

/**
 * Hostile frames against the real reference server (real `ws` clients on 127.0.0.1): each is
 * refused with a reason, changes nothing, and a bystander's PING stays fast meanwhile.
 */
afterEach(cleanupAttacks)

const replyTo = (id: string) => (m: WireMessage) => m.replyTo === id

/** `depth` arrays nested in one another, as JSON text. */
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)

describe('attacks: frames', () => {
  it('refuses a frame over 1 MiB (the client MAX_FRAME_BYTES) with 1009 before buffering it; 20 frames of 5 MB leave memory flat', async () => {
    expect(DEFAULT_LIMITS.maxPayloadBytes).toBe(DEFAULT_MAX_FRAME_BYTES)
    const { server, bystander } = await arena()
    // One frame for all 20 sends: the attacker's own garbage must not be what the RSS check measures.
    const frame = Buffer.from(`{"type":"ECHO","id":"big","data":"${'x'.repeat(5_000_000)}"}`)
    const before = memoryMb()
    const flood = (async () => {
      const closes: Array<{ code: number }> = []
      for (let i = 0; i < 20; i++) {
        const attacker = await connectClient(server.url)
        attacker.ws.send(frame, { binary: false })
        closes.push(await attacker.closed)
      }
      return closes
    })()
    const pings = await pingsDuring(bystander, flood)
    const closes = await flood
    const after = memoryMb()
    report('20 frames of 5 MB', { close: closes[0]?.code, ping: pingText(pings), rssMb: `${before.rss} -> ${after.rss}` })
    expect(closes.every((c) => c.code === 1009)).toBe(true)
    expectResponsive(pings)
    // Unlimited, ws would have taken in all 100 MB; refused at the header, the server holds none of
    // it. RSS is the whole test process, the attacker's masked copies of each send included (about
    // 5 MB each until collected), so the bound is what the server would otherwise have held.
    expect(after.rss - before.rss).toBeLessThan(100)
    expect((await bystander.request('ECHO', 'still here')).data).toBe('still here')
  })

  it('refuses a widget update holding a 5,000-deep nested array: NACK with the reason, nothing stored, the demo ticker and the lists go on', async () => {
    const { server, bystander } = await arena({ widgets: demoWidgets(['w-1', 'w-2']) })
    const ticker = startDemoTicker(server, { intervalMs: 60_000, widgetIds: ['w-1', 'w-2'], editGraceMs: 0 })
    const attacker = await connectClient(server.url)
    attacker.send(`{"type":"WIDGET_UPDATE","id":"deep","data":{"id":"w-1","value":${nested(5_000)}}}`)
    const answer = await attacker.next(replyTo('deep'))
    expect(answer).toMatchObject({ type: 'NACK', data: { retryable: false, reason: `frame nests deeper than ${DEFAULT_LIMITS.maxDepth} levels` } })
    expect(server.widget('w-1')?.version).toBe(1)
    ticker.tick()
    ticker.stop()
    expect(server.widget('w-1')?.version).toBe(2)
    expect(await bystander.request('GET_WIDGETS')).toMatchObject({ data: { widgets: [{ id: 'w-1' }, { id: 'w-2' }] } })
    expect(await bystander.request('SYNC', { since: 0 })).toMatchObject({ data: { snapshot: true } })
  })

  it('refuses 1 MiB of nesting before parsing it, without stalling anyone', async () => {
    const { server, bystander } = await arena()
    const attacker = await connectClient(server.url)
    const frame = nested(DEFAULT_MAX_FRAME_BYTES / 2 - 8)
    const flood = (async () => {
      for (let i = 0; i < 10; i++) {
        attacker.send(frame)
        await attacker.next((m) => m.type === 'ERROR')
      }
    })()
    const pings = await pingsDuring(bystander, flood)
    // The server's own part: refusing the frame, without the socket and the attacker around it.
    const bytes = Buffer.from(frame)
    const started = performance.now()
    for (let i = 0; i < 10; i++) expect(decodeClientFrame(bytes, false, { maxDepth: 1000 })).toMatchObject({ ok: false })
    const decodeMs = (performance.now() - started) / 10
    report('10 frames of 1 MiB nesting', { ping: pingText(pings), refusedInMs: decodeMs.toFixed(2) })
    expect(attacker.messages.filter((m) => m.type === 'ERROR')).toHaveLength(10)
    expect(attacker.messages[0]).toMatchObject({ data: { reason: 'frame nests deeper than 1000 levels' } })
    // Parsing 1 MiB of nesting takes about 300 ms; the text check refuses it in 1 to 6 ms here.
    expect(decodeMs).toBeLessThan(100)
    // Each megabyte the attacker (in this process) builds, masks and sends costs this process
    // garbage collections, which the bystander waits out too: only the generous bound holds here.
    expect(pings.worst).toBeLessThan(WORST_PING_BOUND_MS)
  })

  it('refuses forbidden keys at every depth, in a BATCH element too, each answered on its own', async () => {
    const { server } = await arena({ widgets: [{ id: 'w-1', value: 1 }] })
    const attacker = await connectClient(server.url)
    attacker.send(
      '{"type":"BATCH","data":[{"type":"WIDGET_UPDATE","id":"ok","data":{"id":"w-1","value":2}},{"type":"WIDGET_UPDATE","id":"bad","data":{"id":"w-1","a":[[{"b":{"__proto__":{"x":1}}}]]}}]}',
    )
    // Each element is held to a standalone frame's rules: the bad op is NACKed alone (the client
    // rolls it back), its neighbour applied.
    expect(await attacker.next(replyTo('ok'))).toMatchObject({ type: 'ACK' })
    expect(await attacker.next(replyTo('bad'))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('forbidden key data.a.0.0.b.__proto__') } })
    expect(server.widget('w-1')).toEqual({ id: 'w-1', value: 2, version: 2 })
    // A malformed element alone is refused alone; its neighbour is applied.
    attacker.send({ type: 'BATCH', data: [{ type: 'WIDGET_UPDATE', id: 'ok2', data: { id: 'w-1', value: 3 } }, { type: 42, id: 'junk' }] })
    expect(await attacker.next(replyTo('ok2'))).toMatchObject({ type: 'ACK' })
    expect(await attacker.next(replyTo('junk'))).toMatchObject({ type: 'ERROR', data: { reason: 'BATCH element refused: frame lacks a string type' } })
  })

  it('an answer that cannot be encoded is a NACK (or an ERROR) and is not recorded as applied; the process goes on', async () => {
    const { server } = await arena({
      messageHandlers: [['BIG_INT', () => ({ n: 10n })]],
      requestHandlers: [
        ['LATER_BIG_INT', () => Promise.resolve(10n)],
        ['THROWS', () => { throw new Error('handler blew up') }],
      ],
    })
    const attacker = await connectClient(server.url)
    attacker.send({ type: 'BIG_INT', id: 'op-b' })
    expect(await attacker.next(replyTo('op-b'))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('the ACK cannot be encoded') } })
    expect(server.appliedCount('op-b')).toBe(0)
    expect(await attacker.request('LATER_BIG_INT')).toMatchObject({ type: 'ERROR', data: { reason: expect.stringContaining('reply cannot be encoded') } })
    expect(await attacker.request('THROWS')).toMatchObject({ type: 'ERROR', data: { reason: 'handler blew up' } })
    expect((await attacker.request('ECHO', 1)).data).toBe(1)
  })

  it('refuses an op whose widget would pass the size cap, before anything changes', async () => {
    const { server } = await arena({ widgets: [{ id: 'w-1', value: 1 }] })
    const attacker = await connectClient(server.url)
    attacker.send({ type: 'WIDGET_UPDATE', id: 'fat', data: { id: 'w-1', blob: 'x'.repeat(DEFAULT_LIMITS.maxWidgetBytes) } })
    expect(await attacker.next(replyTo('fat'))).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringMatching(/^widget w-1 would be \d+ bytes, over the limit of 8192 \(limits.maxWidgetBytes\)$/) } })
    expect(server.widget('w-1')).toEqual({ id: 'w-1', value: 1, version: 1 })
    expect(server.seq).toBe(0)
  })

  it('caps the number of widgets and their total size, so a snapshot fits in one client frame', async () => {
    const { server } = await arena({ limits: { rateLimit: false } })
    const attacker = await connectClient(server.url)
    const ops = Array.from({ length: DEFAULT_LIMITS.maxWidgets + 5 }, (_, i) => ({ type: 'WIDGET_CREATE', id: `c-${i}`, data: { id: `w-${i}` } }))
    attacker.send({ type: 'BATCH', data: ops.slice(0, 1000) })
    attacker.send({ type: 'BATCH', data: ops.slice(1000) })
    const last = await attacker.next(replyTo(`c-${DEFAULT_LIMITS.maxWidgets}`))
    expect(last).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('over the limit of 1000 (limits.maxWidgets)') } })
    expect(server.widgets()).toHaveLength(DEFAULT_LIMITS.maxWidgets)
    // Fill them up: the total cap answers before any one widget is near its own.
    const fill = Array.from({ length: 200 }, (_, i) => ({ type: 'WIDGET_UPDATE', id: `f-${i}`, data: { id: `w-${i}`, blob: 'y'.repeat(4_000) } }))
    attacker.send({ type: 'BATCH', data: fill })
    await attacker.next(replyTo('f-199'))
    const refused = attacker.messages.filter((m) => m.type === 'NACK' && String(m.replyTo).startsWith('f-'))
    expect(refused.length).toBeGreaterThan(0)
    expect(refused[0]?.data).toMatchObject({ reason: expect.stringContaining('(limits.maxStateBytes)') })
    const snapshot = await attacker.request('SYNC', { since: 0 })
    const bytes = Buffer.byteLength(JSON.stringify(snapshot))
    report('full state', { widgets: server.widgets().length, snapshotBytes: bytes })
    expect(bytes).toBeLessThan(DEFAULT_MAX_FRAME_BYTES)
  })
})

describe('attacks: the socket itself', () => {
  it('a client that never answers pings is terminated after a silent interval; one that does stays', async () => {
    const { server, bystander } = await arena({ limits: { pingIntervalMs: 100 } })
    const silent = new WebSocket(server.url, { autoPong: false })
    await new Promise((resolve) => silent.once('open', resolve))
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)))
    const started = performance.now()
    expect(await closed).toBe(1006)
    const after = performance.now() - started
    report('silent client', { terminatedAfterMs: after.toFixed(0) })
    expect(after).toBeLessThan(1_000)
    expect((await bystander.request('ECHO', 'alive')).data).toBe('alive')
  })
})
