import { afterEach, describe, expect, it } from 'vitest'
import type { CoalescedUpdate, Envelope } from 'rtk-realtime'
import type { ReferenceServer } from '../../examples/server'
import { cleanup, startTestServer, until } from './support/harness'
import { createWidgetClient, type WidgetClient } from './support/widgetClient'

/**
 * Inbound batching against the real server (README "Entity updates from the server"): entity
 * frames are coalesced per key and applied by one `entitiesUpdated` action per batch, one store
 * notification each; other frames pass through unbatched, in order.
 *
 * The burst is `server.blast` (what CONTROL blast sends): frame i is WIDGET_UPDATE
 * `{ id: 'w-' + (i % KEYS), value: i, version: i + 1 }`. These frames are synthetic (they change
 * no server widget), so the expected end state is computed: key k ends with the highest i with
 * i % KEYS === k, i.e. value COUNT - KEYS + k at version COUNT - KEYS + k + 1.
 */

afterEach(cleanup)

const COUNT = 1000
const KEYS = 100
const BATCHED = 'realtime/collections/entitiesUpdated'
type Batch = { updates: CoalescedUpdate[]; received?: number }

const blastWidgets = (server: ReferenceServer, count = COUNT) =>
  server.blast(count, (i) => ({ type: 'WIDGET_UPDATE', data: { id: 'w-' + (i % KEYS), value: i, version: i + 1 } }))

/** Whether every key holds the latest update of the blast. */
function allLatest(client: WidgetClient): boolean {
  for (let k = 0; k < KEYS; k++) {
    const last = COUNT - KEYS + k
    if (client.record('w-' + k)?.version !== last + 1) return false
  }
  return true
}

function expectAllLatest(client: WidgetClient) {
  for (let k = 0; k < KEYS; k++) {
    const last = COUNT - KEYS + k
    expect(client.record('w-' + k)).toEqual({ confirmed: { id: 'w-' + k, value: last }, version: last + 1, view: { id: 'w-' + k, value: last } })
  }
}

/** Blasts the burst, waits for every latest value; the batches it made and the store notifications. */
async function blastAndCount(server: ReferenceServer, client: WidgetClient) {
  let notifications = 0
  const unsubscribe = client.store.subscribe(() => {
    notifications += 1
  })
  const from = client.log.length
  await blastWidgets(server)
  await until(() => allLatest(client), 'every key at its latest version')
  unsubscribe()
  const payloads = client.log.slice(from).filter((r) => r.action.type === BATCHED).map((r) => r.action.payload as Batch)
  return { notifications, payloads }
}

async function connected(config: NonNullable<Parameters<typeof createWidgetClient>[0]>['config'] = {}, inbound?: Record<string, string>) {
  const server = await startTestServer()
  const client = createWidgetClient({
    url: server.url,
    ...(inbound ? { inbound } : {}),
    // No PING/PONG during the burst: a PONG is an action, and it would be a notification of its own.
    config: { ...config, websocket: { HEARTBEAT_INTERVAL: 0 } },
  })
  await client.waitForStatus('open')
  await server.waitForClients(1)
  // The initial SYNC is answered before the burst: its actions are no part of what is counted.
  await until(() => client.realtime.selectors.selectCollectionStatus(client.store.getState(), 'widgets') === 'ready', 'the initial sync')
  return { server, client }
}

describe('inbound entity updates from the reference server', () => {
  it(`${COUNT} updates over ${KEYS} keys in one 200 ms window: a handful of store notifications, the latest value per key`, async () => {
    const { server, client } = await connected({ updates: { BATCH_MODE: 'window', BATCH_SIZE: 100_000, BATCH_DELAY: 200 } })
    let notifications = 0
    const unsubscribe = client.store.subscribe(() => {
      notifications += 1
    })
    const from = client.log.length
    const started = performance.now()
    await blastWidgets(server)
    await until(() => allLatest(client), `every key at its latest version (${notifications} notifications so far)`)
    const elapsed = performance.now() - started
    unsubscribe()

    // With BATCH_SIZE out of reach, a batch ends only when its 200 ms window does. Over loopback
    // the 1,000 frames arrive within a few ms, so this is one batch, one action, one notification;
    // a burst that straddles a window boundary (the event loop stalls for most of 200 ms on a busy
    // machine) makes two or three. Anything near one per frame (1,000) or per socket read
    // (dozens) would be far above 5. Nothing else dispatches: no heartbeat, no ops, no requests.
    const batches = client.log.slice(from).filter((r) => r.action.type === BATCHED)
    expect(notifications).toBeGreaterThanOrEqual(1)
    expect(notifications).toBeLessThanOrEqual(5)
    expect(notifications).toBe(batches.length)
    expect(client.log.slice(from).map((r) => r.action.type).every((type) => type === BATCHED)).toBe(true)

    // Coalesced per key: each batch carries at most one update per key, and all 1,000 are counted.
    const payloads = batches.map((r) => r.action.payload as Batch)
    expect(payloads.reduce((sum, p) => sum + (p.received ?? 0), 0)).toBe(COUNT)
    for (const p of payloads) expect(new Set(p.updates.map((u) => u.key)).size).toBe(p.updates.length)
    if (payloads.length === 1) expect(payloads[0]!.updates).toHaveLength(KEYS)
    expectAllLatest(client)
    expect(client.connection()).toMatchObject({ status: 'open', received: COUNT, rejected: 0 })
    console.info(`[batching] ${COUNT} updates, window 200 ms: ${notifications} notification(s), ${batches.length} batch(es), ${elapsed.toFixed(0)} ms to the last value`)
  })

  it(`BATCH_MODE 'window' (BATCH_SIZE 50): about ${COUNT}/50 batches, one notification each`, async () => {
    const { server, client } = await connected({ updates: { BATCH_MODE: 'window' } })
    const { notifications, payloads } = await blastAndCount(server, client)
    // 1,000 frames / 50 per batch = 20 size-triggered flushes. A flush by the 200 ms timer happens
    // only if the frames stop for 200 ms mid-burst; allow two of those on a busy machine.
    expect(payloads.length).toBeGreaterThanOrEqual(COUNT / 50)
    expect(payloads.length).toBeLessThanOrEqual(COUNT / 50 + 2)
    expect(notifications).toBe(payloads.length)
    expect(payloads.reduce((sum, p) => sum + (p.received ?? 0), 0)).toBe(COUNT)
    for (const p of payloads) {
      expect(p.received).toBeLessThanOrEqual(50)
      expect(p.updates.length).toBeLessThanOrEqual(p.received!)
    }
    expectAllLatest(client)
    console.info(`[batching] ${COUNT} updates, window: ${payloads.length} batches, sizes ${payloads.map((p) => p.received).join(',')}`)
  })

  it(`default config ('auto'): the first read is a leading flush, the rest of the burst a few 200 ms windows, one notification each`, async () => {
    const { server, client } = await connected()
    const { notifications, payloads } = await blastAndCount(server, client)
    // Over loopback the burst arrives in a few socket reads within milliseconds: the first read
    // is one leading flush; once a flush holds 50 or more, the rest waits for a 200 ms window.
    // Reads of fewer than 50 frames each stay leading flushes, so allow some; far from 1,000.
    expect(payloads.length).toBeGreaterThanOrEqual(1)
    expect(payloads.length).toBeLessThanOrEqual(COUNT / 50)
    expect(notifications).toBe(payloads.length)
    expect(payloads.reduce((sum, p) => sum + (p.received ?? 0), 0)).toBe(COUNT)
    for (const p of payloads) expect(p.updates.length).toBeLessThanOrEqual(p.received!)
    expectAllLatest(client)
    console.info(`[batching] ${COUNT} updates, default config: ${payloads.length} batches, sizes ${payloads.map((p) => p.received).join(',')}`)
  })

  it('non-entity frames interleaved with the burst pass through unbatched and in order', async () => {
    const { server, client } = await connected({}, { NOTE_ROUTED: 'notes/received' })
    const EVERY = 5 // every 5th frame is a NOTE (unregistered) and every 7th a NOTE_ROUTED (routed)
    const from = client.log.length
    await server.blast(COUNT, (i) =>
      i % EVERY === 0
        ? { type: 'NOTE', data: { n: i } }
        : i % 7 === 0
          ? { type: 'NOTE_ROUTED', data: { n: i } }
          : { type: 'WIDGET_UPDATE', data: { id: 'w-' + (i % KEYS), value: i, version: i + 1 } },
    )
    const notes = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % EVERY === 0)
    const routed = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % EVERY !== 0 && i % 7 === 0)
    const widgetFrames = COUNT - notes.length - routed.length
    await until(
      () => client.ofType('realtime/connection/messageReceived').length === notes.length && client.ofType('notes/received').length === routed.length,
      () => `all notes (${client.ofType('realtime/connection/messageReceived').length}/${notes.length}, ${client.ofType('notes/received').length}/${routed.length})`,
    )
    // The last update of each key: the highest entity frame index i with i % KEYS === k.
    const latest = new Map<string, number>()
    for (let i = 0; i < COUNT; i++) if (i % EVERY !== 0 && i % 7 !== 0) latest.set('w-' + (i % KEYS), i)
    await until(() => [...latest].every(([id, i]) => client.record(id)?.version === i + 1), 'every key at its latest version')

    const log = client.log.slice(from)
    // Each note is its own action, in the order the server sent them, with increasing seq.
    const received = log.filter((r) => r.action.type === 'realtime/connection/messageReceived').map((r) => r.action.payload as Envelope<{ n: number }>)
    expect(received.map((e) => e.type)).toEqual(notes.map(() => 'NOTE'))
    expect(received.map((e) => e.data!.n)).toEqual(notes)
    const seqs = received.map((e) => e.seq!)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    const routedNs = log.filter((r) => r.action.type === 'notes/received').map((r) => (r.action.payload as { n: number }).n)
    expect(routedNs).toEqual(routed)
    // And relative to each other across both kinds: the merged sequence of n is ascending.
    const bothNs = log
      .filter((r) => r.action.type === 'notes/received' || r.action.type === 'realtime/connection/messageReceived')
      .map((r) => (r.action.type === 'notes/received' ? (r.action.payload as { n: number }).n : (r.action.payload as Envelope<{ n: number }>).data!.n))
    expect(bothNs).toEqual([...notes, ...routed].sort((x, y) => x - y))

    // The entity frames were still batched (about widgetFrames / 50 actions, not one each).
    const batches = log.filter((r) => r.action.type === BATCHED).map((r) => r.action.payload as Batch)
    expect(batches.reduce((sum, p) => sum + (p.received ?? 0), 0)).toBe(widgetFrames)
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(widgetFrames / 50) + 2)
    for (const [id, i] of latest) expect(client.view(id)).toEqual({ id, value: i })
  })
})
