// Contract, from the README's "Entity updates from the server", "Wire protocol" (BATCH) and
// "Reference server" (broadcast coalescing): inbound BATCH frames, with rude servers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureStore } from '@reduxjs/toolkit'
import { WebSocket } from 'ws'
import { spawn } from 'node:child_process'
import { collection, createRealtime, silentLogger } from 'rtk-realtime'
import { startServer } from '../../examples/server'
import { endOfTurn, open8, upd, type Widget } from './harness8'

const B = (...data: unknown[]) => ({ type: 'BATCH', data })

describe('BATCH frames through the real path (FakeWebSocket, fake timers)', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('elements are unpacked in order and their entity updates go into the batcher: one entitiesUpdated', async () => {
    const t = await open8()
    t.socket.deliver(B(upd('w-1', 1, 1), upd('w-2', 1, 2), upd('w-3', 1, 3)))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(1)
    expect(t.batches()[0].payload.updates.map((u: any) => u.key)).toEqual(['w-1', 'w-2', 'w-3'])
    expect(t.entity('w-3')).toEqual({ id: 'w-3', value: 3 })
    expect(t.rejections()).toEqual([])
  })

  it('duplicated and reordered versions inside a BATCH: the newest wins, an older one never overwrites', async () => {
    const t = await open8()
    t.socket.deliver(B(upd('w-1', 3, 30), upd('w-1', 1, 10), upd('w-1', 3, 31), upd('w-1', 2, 20)))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.record('w-1')).toMatchObject({ version: 3, confirmed: { id: 'w-1', value: 30 } })
    t.socket.deliver(B(upd('w-1', 2, 22)))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.record('w-1')).toMatchObject({ version: 3 })
  })

  it('a malformed element is one messageRejected (invalid_envelope) whose reason names its index; the others apply', async () => {
    const t = await open8()
    t.socket.deliver(B(upd('a', 1, 1), 42, upd('b', 1, 2), { type: '' }, null, 'WIDGET_UPDATE', { type: 'X', seq: 'one' }, upd('c', 1, 3)))
    await vi.advanceTimersByTimeAsync(0)
    const rej = t.rejections()
    expect(rej.map((r) => r.payload.code)).toEqual(Array(5).fill('invalid_envelope'))
    const indexes = [1, 3, 4, 5, 6]
    rej.forEach((r, i) => expect(r.payload.reason).toMatch(new RegExp(`\\b${indexes[i]}\\b`)))
    expect(t.entity('a')).toEqual({ id: 'a', value: 1 })
    expect(t.entity('b')).toEqual({ id: 'b', value: 2 })
    expect(t.entity('c')).toEqual({ id: 'c', value: 3 })
    expect(t.store.getState().realtime.connection.status).toBe('open')
  })

  it('an element that fails its collection checks is validation_failed, alone', async () => {
    const t = await open8()
    t.socket.deliver(B(upd('a', 0, 1), upd('b', 1, 2), { type: 'WIDGET_UPDATE', data: { id: '', version: 1 } }))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.rejections().map((r) => r.payload.code)).toEqual(['validation_failed', 'validation_failed'])
    expect(t.entity('a')).toBeUndefined()
    expect(t.entity('b')).toEqual({ id: 'b', value: 2 })
  })

  for (const [name, frame] of [
    ['data is an object', { type: 'BATCH', data: { 0: upd('x', 1, 1) } }],
    ['data is missing', { type: 'BATCH' }],
    ['data is a string', { type: 'BATCH', data: JSON.stringify([upd('x', 1, 1)]) }],
    ['it holds another BATCH', B(upd('x', 1, 1), B(upd('y', 1, 1)), upd('z', 1, 1))],
  ] as const) {
    it(`a BATCH whose ${name} is rejected as a whole and nothing of it applies`, async () => {
      const t = await open8()
      t.socket.deliver(frame)
      await vi.advanceTimersByTimeAsync(1_000)
      expect(t.rejections()).toHaveLength(1)
      expect(t.batches()).toEqual([])
      for (const k of ['x', 'y', 'z']) expect(t.entity(k)).toBeUndefined()
      // the connection carries on
      t.socket.deliver(upd('after', 1, 1))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(t.entity('after')).toEqual({ id: 'after', value: 1 })
    })
  }

  it('an empty BATCH applies nothing and is not an error', async () => {
    const t = await open8()
    t.socket.deliver(B())
    await vi.advanceTimersByTimeAsync(1_000)
    expect(t.batches()).toEqual([])
    expect(t.rejections()).toEqual([])
  })

  it('the BATCH counts once, as a whole, against websocket.MAX_FRAME_BYTES', async () => {
    const t = await open8({ config: { websocket: { MAX_FRAME_BYTES: 2_000, HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } } })
    const small = Array.from({ length: 10 }, (_, i) => upd(`s-${i}`, 1, i)) // well under 2,000 bytes in all
    expect(JSON.stringify(B(...small)).length).toBeLessThan(2_000)
    t.socket.deliver(B(...small))
    const big = Array.from({ length: 60 }, (_, i) => upd(`b-${i}`, 1, i)) // each small, the whole over 2,000
    expect(JSON.stringify(B(...big)).length).toBeGreaterThan(2_000)
    t.socket.deliver(B(...big))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.entity('s-9')).toEqual({ id: 's-9', value: 9 })
    expect(t.rejections().map((r) => r.payload.code)).toEqual(['frame_too_large'])
    expect(t.entity('b-0')).toBeUndefined()
  })

  it('an ACK inside a BATCH settles its op, and the update carrying the opId confirms it', async () => {
    const t = await open8()
    t.socket.deliver(upd('w-1', 1, 1))
    await vi.advanceTimersByTimeAsync(0)
    const action = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 }))
    await vi.advanceTimersByTimeAsync(0)
    const op = t.socket.sentMessages.find((m) => m.type === 'WIDGET_UPDATE')!
    expect(op.id).toBe(action.payload.opId)
    t.socket.deliver(B(
      { type: 'ACK', replyTo: op.id, attempt: op.attempt, data: { key: 'w-1', version: 2, value: { id: 'w-1', value: 5 } } },
      upd('w-1', 2, 5, { data: { id: 'w-1', version: 2, value: 5, opId: op.id } }),
    ))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.realtime.selectors.selectPendingCount(t.store.getState())).toBe(0)
    expect(t.record('w-1')).toMatchObject({ version: 2, confirmed: { id: 'w-1', value: 5 }, view: { id: 'w-1', value: 5 } })
    expect(t.rejections()).toEqual([])
  })

  it('elements of other types are routed (inbound) or become messageReceived, each with its own meta.realtime', async () => {
    const t = await open8({ inbound: { STATS: 'stats/received' } })
    t.socket.deliver(B({ type: 'STATS', data: { n: 1 }, seq: 1 }, { type: 'HELLO', data: 2, seq: 2 }))
    await vi.advanceTimersByTimeAsync(0)
    const stats = t.ofType('stats/received')
    expect(stats).toHaveLength(1)
    expect(stats[0].payload).toEqual({ n: 1 })
    expect(stats[0].meta.realtime).toMatchObject({ source: 'realtime', type: 'STATS', seq: 1 })
    const generic = t.ofType('realtime/connection/messageReceived')
    expect(generic).toHaveLength(1)
    expect(generic[0].payload).toMatchObject({ type: 'HELLO', data: 2, seq: 2 })
    expect(generic[0].meta.realtime).toMatchObject({ type: 'HELLO', seq: 2 })
  })

  it('a request reply inside a BATCH resolves the request, whatever arrives before it', async () => {
    const t = await open8()
    const promise = t.dispatch(t.realtime.request('ECHO', { a: 1 }))
    await vi.advanceTimersByTimeAsync(0)
    const req = t.socket.sentMessages.find((m) => m.type === 'ECHO')!
    t.socket.deliver(B(upd('w-1', 1, 1), { type: 'ECHO', replyTo: req.id, data: { a: 1 } }, { type: 'ECHO', replyTo: req.id, data: { dup: true } }))
    await vi.advanceTimersByTimeAsync(0)
    await expect(promise).resolves.toMatchObject({ replyTo: req.id, data: { a: 1 } })
    expect(t.entity('w-1')).toEqual({ id: 'w-1', value: 1 })
  })

  it('a forbidden key in an element is stripped, recorded, and the cleaned element delivered', async () => {
    const t = await open8()
    t.socket.deliver('{"type":"BATCH","data":[{"type":"WIDGET_UPDATE","data":{"id":"p","version":1,"value":1,"__proto__":{"polluted":true}}}]}')
    await vi.advanceTimersByTimeAsync(0)
    expect(({} as any).polluted).toBeUndefined()
    expect(t.rejections().map((r) => r.payload.code)).toEqual(['forbidden_key'])
    expect(t.entity('p')).toEqual({ id: 'p', value: 1 })
  })

  it('a PING element is answered with a PONG echoing its data, as a PING frame of its own would be', async () => {
    const t = await open8()
    t.socket.deliver(B({ type: 'PING', data: { ts: 123 } }))
    await vi.advanceTimersByTimeAsync(0)
    const pong = t.socket.allSentMessages.find((m) => m.type === 'PONG')
    expect(pong?.data).toEqual({ ts: 123 })
  })

  it('a BATCH that arrives while the stream is busy joins the busy window', async () => {
    const t = await open8()
    t.socket.deliver(B(...Array.from({ length: 50 }, (_, i) => upd(`w-${i}`, 1, i))))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(1) // 50 in one leading flush: busy
    t.socket.deliver(B(upd('late-1', 1, 1), upd('late-2', 1, 2)))
    await vi.advanceTimersByTimeAsync(199)
    expect(t.entity('late-1')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(t.batches()).toHaveLength(2)
    expect(t.entity('late-2')).toEqual({ id: 'late-2', value: 2 })
  })

  it('per-element seq is tracked: contiguous elements cause no gap; a hole is one staleMarked (seq_gap) and a SYNC since the last contiguous seq', async () => {
    const t = await open8({ sync: { type: 'SYNC' } })
    const first = t.socket.syncRequests[0]!
    expect(first.data.since).toBe(0)
    t.socket.deliver({ type: 'SYNC', replyTo: first.id, data: { snapshot: true, seq: 0, messages: [] } })
    await vi.advanceTimersByTimeAsync(0)
    t.socket.deliver(B(upd('a', 1, 1, { seq: 1 }), upd('b', 1, 1, { seq: 2 }), upd('c', 1, 1, { seq: 3 })))
    await vi.advanceTimersByTimeAsync(2_000)
    expect(t.ofType('realtime/sync/staleMarked').filter((a) => a.payload.reason === 'seq_gap')).toEqual([])
    // a repeat inside a batch changes nothing; then 5 skips 4
    t.socket.deliver(B(upd('c', 1, 1, { seq: 3 }), upd('e', 1, 1, { seq: 5 })))
    await vi.advanceTimersByTimeAsync(2_000)
    expect(t.ofType('realtime/sync/staleMarked').filter((a) => a.payload.reason === 'seq_gap')).toHaveLength(1)
    const gapSync = t.socket.syncRequests.at(-1)!
    expect(t.socket.syncRequests).toHaveLength(2)
    expect(gapSync.data.since).toBe(3)
    t.dispatch(t.realtime.actions.dispose())
  })

  it('reordered seq across BATCH frames (5 before 4) is a gap, not a crash, and the entities still converge by version', async () => {
    const t = await open8()
    t.socket.deliver(B(upd('a', 2, 2, { seq: 2 }), upd('a', 1, 1, { seq: 1 })))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.record('a')).toMatchObject({ version: 2, confirmed: { value: 2 } })
  })
})

describe('the reference server coalesces broadcasts into BATCH frames (real server, 127.0.0.1, port 0)', () => {
  let server: any
  const closers: Array<() => void> = []
  afterEach(async () => {
    for (const c of closers.splice(0)) c()
    await server?.stop()
    server = undefined
  })

  async function rawClient(url: string) {
    const frames: any[] = []
    const ws = new WebSocket(url)
    ws.on('message', (data) => frames.push(JSON.parse(String(data))))
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    closers.push(() => ws.close())
    let pings = 0
    /**
     * A PING round trip: the server answers it after whatever it holds for this client (replies
     * flush held broadcasts first), so every frame sent before the PONG is in `frames` by then.
     * Returns the frames before the PONG and clears the list.
     */
    async function settle(): Promise<any[]> {
      const id = `settle-${++pings}`
      ws.send(JSON.stringify({ type: 'PING', id, data: { ts: Date.now() } }))
      await vi.waitFor(() => expect(frames.some((f) => f.type === 'PONG' && f.replyTo === id)).toBe(true))
      const before = frames.slice(0, frames.findIndex((f) => f.type === 'PONG' && f.replyTo === id))
      frames.length = 0
      return before
    }
    return { ws, frames, settle }
  }

  it('a burst of touch calls in one macrotask reaches a client as one BATCH, elements in seq order; a lone broadcast as it is', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' })
    const { frames: received, settle } = await rawClient(server.url)
    await settle()
    server.touch('w-1', { value: 1 })
    server.touch('w-2', { value: 2 })
    server.touch('w-1', { value: 3 })
    await vi.waitFor(() => expect(received.length).toBeGreaterThan(0))
    const frames = await settle()
    expect(frames).toHaveLength(1)
    expect(frames[0].type).toBe('BATCH')
    expect(frames[0].data.map((f: any) => f.type)).toEqual(['WIDGET_UPDATE', 'WIDGET_UPDATE', 'WIDGET_UPDATE'])
    const seqs = frames[0].data.map((f: any) => f.seq)
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
    expect(new Set(seqs).size).toBe(3)
    server.touch('w-2', { value: 9 })
    await vi.waitFor(() => expect(received.length).toBe(1))
    expect(received[0].type).toBe('WIDGET_UPDATE')
    expect(received[0].data).toMatchObject({ id: 'w-2', value: 9 })
  })

  it('broadcastBatch: false sends every broadcast on its own', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', broadcastBatch: false })
    const { frames, settle } = await rawClient(server.url)
    await settle()
    for (let i = 0; i < 4; i++) server.touch(`w-${i}`, { value: i })
    await vi.waitFor(() => expect(frames.length).toBe(4))
    expect(frames.every((f) => f.type === 'WIDGET_UPDATE')).toBe(true)
  })

  it('maxFrames splits a burst: 5 broadcasts with maxFrames 2 never make a BATCH of more than 2', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', broadcastBatch: { maxFrames: 2 } })
    const { frames, settle } = await rawClient(server.url)
    await settle()
    for (let i = 0; i < 5; i++) server.touch(`w-${i}`, { value: i })
    await vi.waitFor(() => expect(frames.flatMap((f) => (f.type === 'BATCH' ? f.data : [f]))).toHaveLength(5))
    for (const f of frames) if (f.type === 'BATCH') expect(f.data.length).toBeLessThanOrEqual(2)
    const seqs = frames.flatMap((f) => (f.type === 'BATCH' ? f.data : [f])).map((f: any) => f.seq)
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
  })

  it('delayMs above 0 collects broadcasts of separate macrotasks for that long', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', broadcastBatch: { delayMs: 80 } })
    const { frames: received, settle } = await rawClient(server.url)
    await settle()
    server.touch('w-1', { value: 1 })
    // Another macrotask, well inside the 80 ms window.
    await new Promise((r) => setImmediate(r))
    server.touch('w-2', { value: 2 })
    await vi.waitFor(() => expect(received.length).toBeGreaterThan(0))
    // Anything still held (w-2 in a window of its own, wrongly) comes before the PONG.
    const frames = await settle()
    expect(frames).toHaveLength(1)
    expect(frames[0].type).toBe('BATCH')
    expect(frames[0].data).toHaveLength(2)
  })

  it("an op's ACK reaches its sender before the op's broadcast, and the package applies the coalesced broadcasts", async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' })
    const realtime = createRealtime({
      url: server.url, WebSocket: WebSocket as any, logger: silentLogger, environmentListeners: false,
      collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) },
      mutations: {
        createWidget: { collection: 'widgets', message: 'WIDGET_CREATE', apply: (_: Widget | null, w: Widget) => ({ ...w }) },
      },
    })
    const store = configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, middleware: (g) => g().concat(realtime.middleware) })
    closers.push(() => store.dispatch(realtime.actions.dispose()))
    const { frames } = await rawClient(server.url)
    await vi.waitFor(() => expect(realtime.selectors.selectSyncStatus(store.getState())).toBe('idle'))
    await vi.waitFor(() => expect(realtime.selectors.selectConnectionStatus(store.getState())).toBe('open'))
    store.dispatch(realtime.actions.createWidget({ id: 'n-1', value: 1 }))
    await vi.waitFor(() => expect(realtime.selectors.selectPendingCount(store.getState())).toBe(0))
    for (let i = 0; i < 20; i++) server.touch(`n-${i % 3}`, { value: 100 + i })
    await vi.waitFor(() => expect(realtime.selectors.selectEntity(store.getState(), 'widgets', 'n-1')).toMatchObject({ value: 119 }))
    expect(realtime.selectors.selectEntity(store.getState(), 'widgets', 'n-0')).toMatchObject({ value: 118 })
    expect(realtime.selectors.selectEntity(store.getState(), 'widgets', 'n-2')).toMatchObject({ value: 117 })
    expect(frames.some((f) => f.type === 'BATCH')).toBe(true)
    // a raw sender: its ACK comes before the broadcast of its op, BATCHed or not
    const raw = await rawClient(server.url)
    await raw.settle()
    raw.ws.send(JSON.stringify({ type: 'WIDGET_CREATE', id: 'raw-op-1', attempt: 1, data: { id: 'r-1', value: 1, baseVersion: 0 } }))
    server.touch('n-0', { value: 1 })
    const flat = () => raw.frames.flatMap((f) => (f.type === 'BATCH' ? f.data : [f]))
    await vi.waitFor(() => expect(flat().some((f: any) => f.data?.opId === 'raw-op-1')).toBe(true))
    const ackAt = flat().findIndex((f: any) => f.type === 'ACK' && f.replyTo === 'raw-op-1')
    const broadcastAt = flat().findIndex((f: any) => f.data?.opId === 'raw-op-1')
    expect(ackAt).toBeGreaterThanOrEqual(0)
    expect(ackAt).toBeLessThan(broadcastAt)
  })

  it('the CLI prints its one listening line and takes --broadcast-batch / --broadcast-delay', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/server/main.ts', '--port', '0', '--broadcast-batch', 'off', '--broadcast-delay', '5'], { stdio: ['ignore', 'pipe', 'pipe'] })
    closers.push(() => child.kill('SIGINT'))
    let out = ''
    child.stdout.on('data', (d) => { out += String(d) })
    child.stderr.on('data', (d) => { out += String(d) })
    await vi.waitFor(() => expect(out).toMatch(/rtk-realtime reference server listening on http:\/\/127\.0\.0\.1:\d+ \(ws: ws:\/\/127\.0\.0\.1:\d+\/ws\)/), { timeout: 15_000 })
    const help = spawn(process.execPath, ['--import', 'tsx', 'examples/server/main.ts', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    help.stdout.on('data', (d) => { text += String(d) })
    await new Promise((r) => help.on('exit', r))
    expect(text).toContain('--broadcast-batch')
    expect(text).toContain('--broadcast-delay')
  })
})

void endOfTurn
