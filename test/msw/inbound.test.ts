import { createAction, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { createMswStore, lastConnection, respond, until, useMswServer } from './support/mswHarness'

// Protocol-level tests of inbound routing: frames sent by an msw WebSocket server, through msw's
// patched global WebSocket, into a real Redux store with RTK's dev checks on.

useMswServer()

const REJECTED = 'realtime/connection/messageRejected'
const RECEIVED = 'realtime/connection/messageReceived'

interface Stats {
  cpu: number
}
const statsReceived = createAction<Stats>('stats/received')

/** A user slice that only learns about stats through the routed action. */
const statsSlice = createSlice({
  name: 'stats',
  initialState: { latest: null as Stats | null, count: 0, seqs: [] as number[] },
  reducers: {},
  extraReducers: (builder) => {
    builder.addCase(statsReceived, (state, action) => {
      state.latest = action.payload
      state.count += 1
      const seq = (action as PayloadAction<Stats> & { meta?: { realtime?: { seq?: number } } }).meta?.realtime?.seq
      if (seq !== undefined) state.seqs.push(seq)
    })
  },
})

describe('routing registered message types', () => {
  it('routes a type registered by action type string to that action, with data as payload and seq/ts in meta', async () => {
    respond({
      onConnection: (c) => c.send({ type: 'STATS', data: { cpu: 0.42 }, seq: 7, ts: 1_700_000_000_000 }),
    })
    const t = createMswStore({ inbound: { STATS: 'stats/received' } })
    await until(() => t.ofType('stats/received').length === 1, 'the routed action')

    const [action] = t.ofType('stats/received')
    expect(action).toEqual({
      type: 'stats/received',
      payload: { cpu: 0.42 },
      meta: { realtime: { source: 'realtime', type: 'STATS', receivedAt: expect.any(Number), seq: 7, ts: 1_700_000_000_000 } },
    })
    expect(t.connection().status).toBe('open')
    expect(t.connection().received).toBe(1)
    expect(t.connection().lastMessageAt).toBe((action!.meta as any).realtime.receivedAt)
    expect(t.ofType(RECEIVED)).toEqual([])
    expect(t.rejected()).toEqual([])
  })

  it('routes to an RTK action creator, and a user slice’s extraReducers receive it', async () => {
    const t = createMswStore({ inbound: { STATS: statsReceived }, reducers: { stats: statsSlice.reducer } })
    await t.waitForOpen()
    lastConnection().send({ type: 'STATS', data: { cpu: 0.1 }, seq: 1 })
    lastConnection().send({ type: 'STATS', data: { cpu: 0.9 }, seq: 2 })
    await until(() => t.state().stats.count === 2, 'two stats')

    expect(t.state().stats).toEqual({ latest: { cpu: 0.9 }, count: 2, seqs: [1, 2] })
    expect(t.ofType(statsReceived.type).every((a) => statsReceived.match(a))).toBe(true)
  })

  it('a validator that rejects turns the frame into messageRejected naming the type; the user reducer never sees it', async () => {
    const t = createMswStore({
      inbound: {
        STATS: {
          action: statsReceived,
          validate: (data) => (typeof (data as Partial<Stats> | undefined)?.cpu === 'number' ? true : 'cpu must be a number'),
        },
      },
      reducers: { stats: statsSlice.reducer },
    })
    await t.waitForOpen()
    const server = lastConnection()
    server.send({ type: 'STATS', data: { cpu: 'high' }, seq: 1 })
    server.send({ type: 'STATS', seq: 2 })
    server.send({ type: 'STATS', data: { cpu: 0.3 }, seq: 3 })
    await until(() => t.state().stats.count === 1 && t.rejected().length === 2, 'one accepted, two rejected')

    for (const rejection of t.rejected()) {
      expect(rejection.payload).toEqual({
        code: 'validation_failed',
        type: 'STATS',
        reason: expect.stringContaining('"STATS"'),
        at: expect.any(Number),
      })
      expect((rejection.payload as { reason: string }).reason).toContain('cpu must be a number')
    }
    // Only the valid frame reached the user reducer, and no routed action was made for the others.
    expect(t.state().stats).toEqual({ latest: { cpu: 0.3 }, count: 1, seqs: [3] })
    expect(t.ofType(statsReceived.type)).toHaveLength(1)
    expect(t.connection().rejected).toBe(2)
    expect(t.connection().lastRejection).toMatchObject({ code: 'validation_failed', type: 'STATS' })
  })

  it('a validator returning false rejects with a generic reason', async () => {
    const t = createMswStore({ inbound: { STATS: { action: 'stats/received', validate: () => false } } })
    await t.waitForOpen()
    lastConnection().send({ type: 'STATS', data: { cpu: 1 } })
    await until(() => t.rejected().length === 1)
    expect(t.rejected()[0]!.payload).toMatchObject({ code: 'validation_failed', type: 'STATS', reason: expect.stringContaining('returned false') })
    expect(t.ofType('stats/received')).toEqual([])
  })

  it('a validator that throws rejects that frame only; later messages still arrive', async () => {
    const t = createMswStore({
      inbound: {
        STATS: {
          action: statsReceived,
          validate: (data) => {
            if ((data as { boom?: boolean }).boom) throw new Error('validator exploded')
            return true
          },
        },
      },
      reducers: { stats: statsSlice.reducer },
    })
    await t.waitForOpen()
    const server = lastConnection()
    server.send({ type: 'STATS', data: { boom: true }, seq: 1 })
    server.send({ type: 'OTHER', data: { x: 1 }, seq: 2 })
    server.send({ type: 'STATS', data: { cpu: 0.5 }, seq: 3 })
    await until(() => t.state().stats.count === 1, 'the message after the throwing one')

    expect(t.rejected().map((a) => a.payload)).toEqual([
      { code: 'validation_failed', type: 'STATS', reason: expect.stringContaining('validator exploded'), at: expect.any(Number) },
    ])
    expect(t.ofType(RECEIVED).map((a) => a.payload)).toEqual([{ type: 'OTHER', data: { x: 1 }, seq: 2 }])
    expect(t.state().stats).toEqual({ latest: { cpu: 0.5 }, count: 1, seqs: [3] })
    expect(t.connection().status).toBe('open')
  })
})

describe('unregistered message types', () => {
  it('arrive as messageReceived with the whole envelope as payload', async () => {
    const t = createMswStore({ inbound: { STATS: 'stats/received' } })
    await t.waitForOpen()
    const envelope = { type: 'ALERT', id: 'a-1', data: { level: 'warn', text: 'disk' }, seq: 12, ts: 1_700_000_000_123 }
    lastConnection().send(envelope)
    await until(() => t.ofType(RECEIVED).length === 1)

    expect(t.ofType(RECEIVED)[0]).toEqual({
      type: RECEIVED,
      payload: envelope,
      meta: { realtime: { source: 'realtime', type: 'ALERT', receivedAt: expect.any(Number), seq: 12, id: 'a-1', ts: 1_700_000_000_123 } },
    })
    expect(t.ofType('stats/received')).toEqual([])
    expect(t.connection().received).toBe(1)
  })

  it('carry only the envelope fields: unknown top-level keys are not passed on', async () => {
    const t = createMswStore()
    await t.waitForOpen()
    lastConnection().send({ type: 'ALERT', data: 1, secret: 'x', nested: { a: 1 } })
    await until(() => t.ofType(RECEIVED).length === 1)
    expect(t.ofType(RECEIVED)[0]!.payload).toEqual({ type: 'ALERT', data: 1 })
  })
})

describe('ordering', () => {
  it('keeps the order of 500 mixed messages (string route, action creator, unregistered, rejected)', async () => {
    const N = 500
    const kindOf = (i: number) => (['STATS', 'LOAD', 'OTHER', 'BAD'] as const)[i % 4]!
    const frame = (i: number) => {
      const type = kindOf(i)
      return { type, data: type === 'STATS' ? { cpu: i } : { i }, seq: i }
    }
    // The first few are sent before the socket opens: msw delivers them right after `open`,
    // while the store is still handing the socket over from connecting to the open session.
    // (Few, because msw adds one `open` listener per early frame and Node warns past 10.)
    const EARLY = 8
    respond({
      onConnection: (c) => {
        for (let i = 0; i < EARLY; i++) c.send(frame(i))
      },
    })
    const t = createMswStore({
      inbound: {
        STATS: statsReceived,
        LOAD: 'load/received',
        BAD: { action: 'bad/received', validate: () => 'never valid' },
      },
      reducers: { stats: statsSlice.reducer },
    })
    await t.waitForOpen()
    const server = lastConnection()
    for (let i = EARLY; i < N; i++) server.send(frame(i))
    const expectedRejected = Array.from({ length: N }, (_, i) => i).filter((i) => kindOf(i) === 'BAD').length
    await until(() => t.inbound().length + t.rejected().length === N, 'all 500 messages')

    const expectedType = { STATS: 'stats/received', LOAD: 'load/received', OTHER: RECEIVED } as const
    const routed = t.inbound()
    const routedSeqs = Array.from({ length: N }, (_, i) => i).filter((i) => kindOf(i) !== 'BAD')
    expect(routed.map((a) => (a.meta as any).realtime.seq)).toEqual(routedSeqs)
    expect(routed.map((a) => a.type)).toEqual(routedSeqs.map((i) => expectedType[kindOf(i) as keyof typeof expectedType]))
    // Rejections interleave at the right places too: every BAD frame is rejected right after
    // the frame before it was dispatched.
    const frameOrder = t.seen
      .filter((a) => a.type === REJECTED || (a.meta as any)?.realtime)
      .map((a) => (a.type === REJECTED ? 'BAD' : kindOf((a.meta as any).realtime.seq)))
    expect(frameOrder).toEqual(Array.from({ length: N }, (_, i) => kindOf(i)))
    expect(t.rejected()).toHaveLength(expectedRejected)
    expect(t.state().stats.seqs).toEqual(routedSeqs.filter((i) => kindOf(i) === 'STATS'))
    expect(t.connection().received).toBe(N - expectedRejected)
    expect(t.connection().rejected).toBe(expectedRejected)
  })
})

describe('hostile and malformed frames', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).polluted
  })

  it('malformed JSON, missing type, non-object, binary and oversized frames are rejected; the next valid message still arrives', async () => {
    const t = createMswStore({
      inbound: { STATS: statsReceived },
      reducers: { stats: statsSlice.reducer },
      config: { websocket: { MAX_FRAME_BYTES: 1024 } },
    })
    await t.waitForOpen()
    const server = lastConnection()
    server.send('{"type":"STATS","data":')
    server.send({ data: { cpu: 1 } })
    server.send({ type: '', data: 1 })
    server.send('[1,2,3]')
    server.send(new Uint8Array([1, 2, 3]))
    server.send(JSON.stringify({ type: 'STATS', data: { cpu: 1, pad: 'x'.repeat(2000) } }))
    server.send({ type: 'STATS', data: { cpu: 0.7 }, seq: 99 })
    await until(() => t.state().stats.count === 1, 'the valid message')

    expect(t.rejected().map((a) => (a.payload as { code: string }).code)).toEqual([
      'malformed_json',
      'invalid_envelope',
      'invalid_envelope',
      'invalid_envelope',
      'binary_frame',
      'frame_too_large',
    ])
    for (const rejection of t.rejected()) {
      expect(rejection.payload).toEqual({ code: expect.any(String), reason: expect.any(String), at: expect.any(Number) })
      expect((rejection.payload as { reason: string }).reason.length).toBeGreaterThan(0)
    }
    expect(t.state().stats).toEqual({ latest: { cpu: 0.7 }, count: 1, seqs: [99] })
    expect(t.connection()).toMatchObject({ status: 'open', rejected: 6, received: 1 })
    // Nothing rejected was passed on as a generic message either.
    expect(t.ofType(RECEIVED)).toEqual([])
  })

  it('prototype-pollution payloads are cleaned, reported, and Object.prototype stays clean', async () => {
    // A user reducer with a naive deep merge: exactly the code a `__proto__` key would exploit.
    const merge = (target: Record<string, any>, source: Record<string, any>) => {
      for (const key in source) {
        const value = source[key]
        if (value && typeof value === 'object') merge((target[key] ??= {}), value)
        else target[key] = value
      }
    }
    const settingsReceived = createAction<Record<string, any>>('settings/received')
    const settings = createSlice({
      name: 'settings',
      initialState: { values: {} as Record<string, any>, updates: 0 },
      reducers: {},
      extraReducers: (b) =>
        b.addCase(settingsReceived, (state, action) => {
          // Merge into a plain object outside Immer, so the exploit would reach the real prototype chain.
          const next = JSON.parse(JSON.stringify(state.values))
          merge(next, action.payload)
          state.values = next
          state.updates += 1
        }),
    })
    const t = createMswStore({ inbound: { SETTINGS: settingsReceived }, reducers: { settings: settings.reducer } })
    await t.waitForOpen()
    const server = lastConnection()
    // Raw text: JSON.stringify of an object literal would not keep a `__proto__` key.
    server.send('{"type":"SETTINGS","data":{"__proto__":{"polluted":"yes"},"theme":"dark"}}')
    server.send('{"type":"SETTINGS","data":{"constructor":{"prototype":{"polluted":"yes"}},"nested":{"__proto__":{"polluted":"yes"},"ok":1}}}')
    server.send('{"type":"SETTINGS","__proto__":{"polluted":"yes"},"data":{"lang":"en"}}')
    server.send('{"type":"SETTINGS","data":{"\\u005f_proto__":{"polluted":"yes"},"size":3}}')
    server.send('{"type":"UNROUTED","data":[{"__proto__":{"polluted":"yes"}}]}')
    server.send({ type: 'SETTINGS', data: { final: true } })
    await until(() => t.state().settings.updates === 5, 'the cleaned messages and the final one')
    await until(() => t.ofType(RECEIVED).length === 1)

    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect(t.state().settings.values).toEqual({ theme: 'dark', nested: { ok: 1 }, lang: 'en', size: 3, final: true })

    const rejections = t.rejected().map((a) => a.payload as { code: string; type?: string; stripped?: string[] })
    expect(rejections).toEqual([
      expect.objectContaining({ code: 'forbidden_key', type: 'SETTINGS', stripped: ['data.__proto__'] }),
      expect.objectContaining({ code: 'forbidden_key', type: 'SETTINGS', stripped: ['data.constructor', 'data.nested.__proto__'] }),
      expect.objectContaining({ code: 'forbidden_key', type: 'SETTINGS', stripped: ['__proto__'] }),
      expect.objectContaining({ code: 'forbidden_key', type: 'SETTINGS', stripped: ['data.__proto__'] }),
      expect.objectContaining({ code: 'forbidden_key', type: 'UNROUTED', stripped: ['data.0.__proto__'] }),
    ])
    for (const action of t.ofType('settings/received')) {
      expect(Object.getPrototypeOf(action.payload)).toBe(Object.prototype)
      expect(Object.hasOwn(action.payload as object, '__proto__')).toBe(false)
      expect(Object.hasOwn(action.payload as object, 'constructor')).toBe(false)
    }
    expect(t.ofType(RECEIVED)[0]!.payload).toEqual({ type: 'UNROUTED', data: [{}] })
    expect(Object.hasOwn((t.ofType(RECEIVED)[0]!.payload as { data: object[] }).data[0]!, '__proto__')).toBe(false)
  })
})
