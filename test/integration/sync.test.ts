import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { cleanup, startTestServer, until } from './support/harness'
import { createWidgetClient, expectConverged, type WidgetClient } from './support/widgetClient'

// Initial load and resync against the reference server, over real sockets on 127.0.0.1.

afterEach(cleanup)

/**
 * `ws`'s WebSocket with a lossy link: a frame `drop` picks never reaches the client, as if the
 * network or a proxy lost it. Everything else is the real socket.
 */
class LossyWebSocket extends WebSocket {
  static drop: (frame: string) => boolean = () => false
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args)
    // `ws` keeps `onmessage` as an accessor on its prototype; wrap what the client installs.
    const own = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!
    Object.defineProperty(this, 'onmessage', {
      get: () => own.get!.call(this),
      set: (handler: ((event: WebSocket.MessageEvent) => void) | null) =>
        own.set!.call(this, handler && ((event: WebSocket.MessageEvent) => {
          if (!LossyWebSocket.drop(String(event.data))) handler(event)
        })),
    })
  }
}

const seeded = [
  { id: 'w-1', title: 'CPU', value: 1 },
  { id: 'w-2', title: 'RAM', value: 2 },
]

async function loaded(client: WidgetClient) {
  await until(() => client.realtime.selectors.selectCollectionStatus(client.store.getState(), 'widgets') === 'ready', 'the initial load')
}

describe('sync against the reference server', () => {
  it('the initial load needs no app code: a SYNC snapshot on the first open', async () => {
    const server = await startTestServer({ widgets: seeded })
    server.touch('w-1', { value: 5 })
    const client = createWidgetClient({ url: server.url })
    expect(client.realtime.selectors.selectEntityStatus(client.store.getState(), 'widgets', 'w-1')).toBe('loading')
    await loaded(client)
    expect(client.record('w-1')).toEqual({ confirmed: { id: 'w-1', title: 'CPU', value: 5 }, version: 2, view: { id: 'w-1', title: 'CPU', value: 5 } })
    expect(client.view('w-2')).toEqual({ id: 'w-2', title: 'RAM', value: 2 })
    expect(server.received.filter((m) => m.type === 'SYNC')).toEqual([{ type: 'SYNC', id: expect.any(String), data: { since: 0 } }])
    expect(client.store.getState().realtime.sync).toMatchObject({ status: 'idle', seq: 1, lastReason: 'initial' })
  })

  it('a seq gap triggers a resync; a missed update is recovered', async () => {
    const server = await startTestServer({ widgets: seeded })
    const client = createWidgetClient({ url: server.url, WebSocket: LossyWebSocket as unknown as typeof WebSocket })
    await loaded(client)
    server.touch('w-2', { value: 3 }) // seq 1, received
    await until(() => client.view('w-2')?.value === 3, 'broadcast 1')
    // The broadcast of this change (seq 2) is lost on its way to the client...
    LossyWebSocket.drop = (frame) => frame.includes('"value":77')
    server.touch('w-1', { value: 77 })
    await client.roundTrip()
    expect(client.view('w-1')).toEqual({ id: 'w-1', title: 'CPU', value: 1 })
    expect(server.received.filter((m) => m.type === 'SYNC')).toHaveLength(1)
    LossyWebSocket.drop = () => false
    // ...the next one (seq 3) shows the gap, and a SYNC since 1 brings the missed broadcasts.
    server.touch('w-2', { value: 4 })
    await until(() => client.view('w-1')?.value === 77, 'the lost update recovered by a SYNC')
    const syncs = server.received.filter((m) => m.type === 'SYNC')
    expect(syncs.map((m) => m.data)).toEqual([{ since: 0 }, { since: 1 }])
    const resync = client.payloads('realtime/sync/syncSucceeded').at(-1)
    expect(resync).toMatchObject({ reason: 'seq_gap', snapshot: false, seq: 3, updates: [{ key: 'w-1', version: 2 }, { key: 'w-2', version: 3 }] })
    expect(client.store.getState().realtime.sync).toMatchObject({ lastReason: 'seq_gap', seq: 3, status: 'idle' })
    expect(client.payloads('realtime/sync/staleMarked')).toEqual([expect.objectContaining({ reason: 'seq_gap' })])
    await expectConverged(server, [client], ['w-1', 'w-2'])
  })

  it('a reconnect recovers what changed while the client was away: an update and a deletion', async () => {
    const server = await startTestServer({ widgets: seeded })
    server.touch('w-2', { value: 20 })
    const client = createWidgetClient({ url: server.url })
    await loaded(client)
    const before = client.log.length
    server.closeAll(1012, 'restarting')
    await client.waitForAction(client.actions.closed.type, before)
    server.touch('w-1', { value: 42 })
    server.deleteWidget('w-2')
    await client.waitForStatus('open')
    await until(() => client.view('w-1')?.value === 42 && client.view('w-2') === null, 'the changes made while away')
    const syncs = server.received.filter((m) => m.type === 'SYNC')
    expect(syncs.map((m) => m.data)).toEqual([{ since: 0 }, { since: 1 }])
    expect(client.store.getState().realtime.sync).toMatchObject({ lastReason: 'reconnect', seq: 3 })
    await expectConverged(server, [client], ['w-1'])
  })

  it('a restarted server (its seq below the client\'s) answers a snapshot; what it no longer has is deleted', async () => {
    const first = await startTestServer({ widgets: seeded })
    first.touch('w-1', { value: 5 })
    first.touch('w-1', { value: 6 })
    const client = createWidgetClient({ url: first.url })
    await loaded(client)
    await client.roundTrip()
    const port = first.port
    await first.stop()
    await client.waitForStatus('reconnecting')
    // The new instance lost w-2, and its w-1 is newer: every seeding of a known id raises its
    // version, so three more make it 4, above the client's 3.
    const second = await startTestServer({ port, widgets: [{ id: 'w-1', title: 'CPU', value: 9 }] })
    for (let i = 0; i < 3; i++) second.seedWidgets([{ id: 'w-1', title: 'CPU', value: 9 }])
    await until(() => client.view('w-1')?.value === 9, 'the new server\'s snapshot')
    expect(client.view('w-2')).toBeNull()
    expect(second.received.filter((m) => m.type === 'SYNC').map((m) => m.data)).toEqual([{ since: 2 }])
    expect(client.store.getState().realtime.sync.seq).toBe(0)
  })

  it('ops made while disconnected are replayed before the SYNC: applied once, no conflict', async () => {
    const server = await startTestServer({ widgets: seeded })
    const client = createWidgetClient({ url: server.url })
    await loaded(client)
    const before = client.log.length
    server.closeAll()
    await client.waitForAction(client.actions.closed.type, before)
    client.update('w-1', 11)
    client.rename('w-2', 'Memory')
    server.touch('w-2', { value: 21 })
    await client.waitForStatus('open')
    await expectConverged(server, [client], ['w-1', 'w-2'])
    const types = server.received.map((m) => m.type)
    const sync = types.lastIndexOf('SYNC')
    expect(types.slice(sync - 2, sync + 1)).toEqual(['WIDGET_UPDATE', 'WIDGET_UPDATE', 'SYNC'])
    expect(client.conflicts()).toEqual([])
    expect(server.widget('w-2')).toMatchObject({ title: 'Memory', value: 21 })
  })
})
