import { createListenerMiddleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { connections, createMswStore, lastConnection, respond, until, useMswServer, WS_URL } from './support/mswHarness'

// Request/response and send buffering at the protocol level: an msw WebSocket server answers
// (or does not) the frames a real Redux store sends through msw's patched global WebSocket.

useMswServer()

const RECEIVED = 'realtime/connection/messageReceived'

/** Deterministic request ids: req-1, req-2, ... */
function ids() {
  let n = 0
  return () => `req-${++n}`
}

/** A promise the test resolves by hand. */
function gate<T>() {
  let open!: (value: T) => void
  const promise = new Promise<T>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

/**
 * For "nothing else was sent" checks, without waiting for time: sends a MARKER frame and waits
 * until the mock server has it. Frames on one socket arrive in the order they were written, so
 * anything the store wrote before the marker has arrived by then; check `messages` after this.
 */
async function sendMarker(t: ReturnType<typeof createMswStore>): Promise<void> {
  t.store.dispatch(t.realtime.actions.send('MARKER'))
  await until(() => connections.length === 1 && lastConnection().messages.some((m) => m.type === 'MARKER'), 'the MARKER frame')
}

afterEach(() => {
  vi.useRealTimers()
})

describe('request/response', () => {
  it('resolves with the reply whose replyTo is the request id; frames in between do not confuse it', async () => {
    respond({
      onMessage: (message, server) => {
        if (message.type !== 'ECHO') return
        server.send({ type: 'STATS', data: { cpu: 1 }, seq: 1 })
        server.send({ type: 'ECHO', replyTo: 'somebody-else', data: { wrong: true } })
        server.send({ type: 'ACK', replyTo: 'unknown-op', data: { key: 'w-1', version: 2 } })
        server.send({ type: 'ECHO', id: 'no-reply-to', data: { wrong: true } })
        server.send({ type: 'ECHO', replyTo: message.id, data: message.data, ts: 123 })
        server.send({ type: 'AFTER', seq: 2 })
      },
    })
    const t = createMswStore({ inbound: { STATS: 'stats/received' }, generateId: ids() })
    await t.waitForOpen()

    const reply = await t.store.dispatch(t.realtime.request('ECHO', { hello: 'world' }))

    expect(reply).toEqual({ type: 'ECHO', replyTo: 'req-1', data: { hello: 'world' }, ts: 123 })
    expect(lastConnection().messages).toEqual([{ type: 'ECHO', id: 'req-1', data: { hello: 'world' } }])
    await until(() => t.ofType(RECEIVED).some((a) => (a.payload as { type: string }).type === 'AFTER'))
    // The unrelated frames were delivered as ordinary messages, in order, around the reply.
    expect(t.ofType('stats/received')).toHaveLength(1)
    expect(t.ofType(RECEIVED).map((a) => a.payload)).toEqual([
      { type: 'ECHO', replyTo: 'somebody-else', data: { wrong: true } },
      { type: 'ACK', replyTo: 'unknown-op', data: { key: 'w-1', version: 2 } },
      { type: 'ECHO', id: 'no-reply-to', data: { wrong: true } },
      { type: 'AFTER', seq: 2 },
    ])
    expect(t.connection().requests).toEqual({})
  })

  it('two concurrent requests answered out of order each get their own reply', async () => {
    const pending: Array<{ id?: string; data?: any }> = []
    respond({
      onMessage: (message, server) => {
        if (message.type !== 'LOOKUP') return
        pending.push(message)
        if (pending.length < 2) return
        // Answer the second one first.
        for (const request of [...pending].reverse()) {
          server.send({ type: 'LOOKUP_RESULT', replyTo: request.id, data: { answer: `for ${request.data.q}` } })
        }
      },
    })
    const t = createMswStore({ generateId: ids() })
    await t.waitForOpen()

    const settledOrder: string[] = []
    const first = t.store.dispatch(t.realtime.request('LOOKUP', { q: 'first' })).then((reply) => {
      settledOrder.push('first')
      return reply
    })
    const second = t.store.dispatch(t.realtime.request('LOOKUP', { q: 'second' })).then((reply) => {
      settledOrder.push('second')
      return reply
    })
    expect(Object.keys(t.connection().requests).sort()).toEqual(['req-1', 'req-2'])

    const [a, b] = await Promise.all([first, second])
    expect(a).toEqual({ type: 'LOOKUP_RESULT', replyTo: 'req-1', data: { answer: 'for first' } })
    expect(b).toEqual({ type: 'LOOKUP_RESULT', replyTo: 'req-2', data: { answer: 'for second' } })
    expect(settledOrder).toEqual(['second', 'first'])
    expect(t.connection().requests).toEqual({})
    expect(t.ofType(RECEIVED)).toEqual([])
  })

  it('a NACK reply rejects with REQUEST_REJECTED as a plain object carrying the reason', async () => {
    respond({
      onMessage: (message, server) => {
        if (message.type === 'SAVE') server.send({ type: 'NACK', replyTo: message.id, data: { reason: 'quota exceeded', retryable: false } })
      },
    })
    const t = createMswStore({ generateId: ids() })
    await t.waitForOpen()

    const outcome = await t.store.dispatch(t.realtime.request('SAVE', { n: 1 })).then(
      () => 'resolved',
      (error: unknown) => error,
    )
    expect(outcome).toEqual({
      name: 'RequestRejectedError',
      code: 'REQUEST_REJECTED',
      message: expect.stringContaining('quota exceeded'),
    })
    expect(outcome).not.toBeInstanceOf(Error)
    expect((outcome as { message: string }).message).toContain('"SAVE"')
    expect(t.connection().requests).toEqual({})
    expect(t.connection().status).toBe('open')
  })

  it('an ERROR reply rejects with REQUEST_REJECTED too, even without a reason', async () => {
    respond({
      onMessage: (message, server) => {
        if (message.type === 'SAVE') server.send({ type: 'ERROR', replyTo: message.id })
      },
    })
    const t = createMswStore({ generateId: ids() })
    await t.waitForOpen()
    await expect(t.store.dispatch(t.realtime.request('SAVE'))).rejects.toEqual({
      name: 'RequestRejectedError',
      code: 'REQUEST_REJECTED',
      message: expect.stringContaining('no reason given'),
    })
  })

  it('no reply rejects with REQUEST_TIMEOUT (real timers, 50 ms); a late reply is then just a message', async () => {
    const t = createMswStore({ generateId: ids() })
    await t.waitForOpen()

    const started = Date.now()
    const outcome = await t.store.dispatch(t.realtime.request('SLOW', { n: 1 }, { timeout: 50 })).then(
      () => 'resolved',
      (error: unknown) => error,
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect(outcome).toEqual({
      name: 'TimeoutError',
      code: 'REQUEST_TIMEOUT',
      message: expect.stringContaining('50 ms'),
    })
    expect(lastConnection().messages).toEqual([{ type: 'SLOW', id: 'req-1', data: { n: 1 } }])
    expect(t.connection().requests).toEqual({})

    lastConnection().send({ type: 'SLOW', replyTo: 'req-1', data: { late: true } })
    await until(() => t.ofType(RECEIVED).length === 1, 'the late reply')
    expect(t.ofType(RECEIVED)[0]!.payload).toEqual({ type: 'SLOW', replyTo: 'req-1', data: { late: true } })
    expect(t.ofType('realtime/connection/requestSucceeded')).toEqual([])
    expect(t.connection().status).toBe('open')
  })

  describe('with vi fake timers (setTimeout, clearTimeout, Date)', () => {
    it('times out exactly at the deadline, and msw keeps working under them', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
      respond({
        onMessage: (message, server) => {
          if (message.type === 'FAST') server.send({ type: 'FAST', replyTo: message.id })
        },
      })
      const t = createMswStore({ generateId: ids() })
      await t.waitForOpen()

      // A reply that comes back resolves without any time passing.
      await expect(t.store.dispatch(t.realtime.request('FAST'))).resolves.toEqual({ type: 'FAST', replyTo: 'req-1' })

      let outcome: unknown = 'pending'
      void t.store.dispatch(t.realtime.request('SLOW', undefined, { timeout: 5000 })).then(
        () => (outcome = 'resolved'),
        (error: unknown) => (outcome = error),
      )
      await vi.advanceTimersByTimeAsync(4999)
      expect(outcome).toBe('pending')
      expect(Object.keys(t.connection().requests)).toEqual(['req-2'])
      await vi.advanceTimersByTimeAsync(1)
      expect(outcome).toMatchObject({ name: 'TimeoutError', code: 'REQUEST_TIMEOUT' })
      expect(t.connection().requests).toEqual({})
    })
  })

  it('a request made before the socket opens is buffered and sent once open', async () => {
    // Fake timers: "still buffered" is checked across the whole request timeout but one ms of
    // fake time, not after some wall time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const url = gate<string>()
    respond({
      onMessage: (message, server) => {
        if (message.type === 'ECHO') server.send({ type: 'ECHO', replyTo: message.id, data: message.data })
      },
    })
    // The URL resolves only when the test says so: the store stays `connecting` meanwhile.
    const t = createMswStore({ url: () => url.promise, generateId: ids() })
    const reply = t.store.dispatch(t.realtime.request('ECHO', { early: true }))
    let outcome: unknown = 'pending'
    void reply.then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    )
    await vi.advanceTimersByTimeAsync(t.connection().requests['req-1']!.timeoutMs - 1)

    expect(outcome).toBe('pending')
    expect(t.connection().status).toBe('connecting')
    expect(t.connection().buffer).toEqual([{ type: 'ECHO', id: 'req-1', data: { early: true } }])
    expect(t.connection().requests).toHaveProperty('req-1')
    expect(connections).toHaveLength(0)

    url.open(WS_URL)
    // msw opens the socket and replies in microtasks: no fake time passes, so the request (1 ms
    // left) is answered before it could time out.
    await vi.advanceTimersByTimeAsync(0)
    expect(t.connection().status).toBe('open')
    await expect(reply).resolves.toEqual({ type: 'ECHO', replyTo: 'req-1', data: { early: true } })
    expect(lastConnection().messages).toEqual([{ type: 'ECHO', id: 'req-1', data: { early: true } }])
    expect(t.connection().buffer).toEqual([])
  })

  it('a request made while the socket is being constructed (not yet open) is sent once open', async () => {
    respond({
      onMessage: (message, server) => {
        if (message.type === 'ECHO') server.send({ type: 'ECHO', replyTo: message.id, data: message.data })
      },
    })
    const t = createMswStore({ generateId: ids() })
    // The first dispatch starts the saga, which constructs the socket synchronously.
    const reply = t.store.dispatch(t.realtime.request('ECHO', 1))
    expect(t.connection().status).toBe('connecting')
    expect(t.connection().buffer).toHaveLength(1)

    await expect(reply).resolves.toEqual({ type: 'ECHO', replyTo: 'req-1', data: 1 })
    expect(connections).toHaveLength(1)
    expect(lastConnection().messages).toEqual([{ type: 'ECHO', id: 'req-1', data: 1 }])
  })

  it('a request that does not fit in the full send buffer rejects with BUFFER_FULL; the buffered sends still go out', async () => {
    const url = gate<string>()
    const t = createMswStore({
      url: () => url.promise,
      generateId: ids(),
      config: { websocket: { MAX_BUFFERED_SENDS: 2 } },
    })
    t.store.dispatch(t.realtime.actions.send('A', 1))
    t.store.dispatch(t.realtime.actions.send('B', 2))
    await expect(t.store.dispatch(t.realtime.request('ECHO', 3))).rejects.toEqual({
      name: 'BufferOverflowError',
      code: 'BUFFER_FULL',
      message: expect.stringContaining('MAX_BUFFERED_SENDS'),
    })
    expect(t.connection().requests).toEqual({})

    url.open(WS_URL)
    await t.waitForOpen()
    await sendMarker(t)
    expect(lastConnection().messages).toEqual([
      { type: 'A', data: 1 },
      { type: 'B', data: 2 },
      { type: 'MARKER' },
    ])
  })
})

describe('timed-out requests that never left the buffer', () => {
  // A request that times out while still waiting in the send buffer (socket not open yet) must
  // not be sent when the socket opens: the caller was told it failed and may already have retried.
  it('a request that timed out before the socket opened is not sent afterwards', async () => {
    const url = gate<string>()
    const t = createMswStore({ url: () => url.promise, generateId: ids() })
    t.store.dispatch(t.realtime.actions.send('BEFORE'))
    await expect(t.store.dispatch(t.realtime.request('CREATE_REPORT', { n: 1 }, { timeout: 30 }))).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
    })
    expect(t.connection().buffer).toEqual([{ type: 'BEFORE' }])
    t.store.dispatch(t.realtime.actions.send('AFTER'))

    url.open(WS_URL)
    await t.waitForOpen()
    await sendMarker(t)
    expect(lastConnection().messages).toEqual([{ type: 'BEFORE' }, { type: 'AFTER' }, { type: 'MARKER' }])
  })
})

describe('sends while connecting', () => {
  it('are delivered after open, in order, ahead of later sends (requests interleaved keep their place)', async () => {
    const t = createMswStore({ generateId: ids() })
    const { send } = t.realtime.actions
    t.store.dispatch(send('FIRST', { n: 1 }))
    expect(t.connection().status).toBe('connecting')
    t.store.dispatch(send('SECOND'))
    const pendingRequest = t.store.dispatch(t.realtime.request('ASK', { n: 3 }, { timeout: 5000 }))
    t.store.dispatch(send('FOURTH', { n: 4 }))
    expect(t.connection().buffer.map((m) => m.type)).toEqual(['FIRST', 'SECOND', 'ASK', 'FOURTH'])

    await t.waitForOpen()
    t.store.dispatch(send('AFTER_OPEN', { n: 5 }))
    await until(() => connections.length === 1 && lastConnection().messages.length === 5, 'five frames')

    expect(lastConnection().messages).toEqual([
      { type: 'FIRST', data: { n: 1 } },
      { type: 'SECOND' },
      { type: 'ASK', id: 'req-1', data: { n: 3 } },
      { type: 'FOURTH', data: { n: 4 } },
      { type: 'AFTER_OPEN', data: { n: 5 } },
    ])
    expect(t.connection().buffer).toEqual([])

    // The buffered request is still waiting for its reply, and gets it.
    lastConnection().send({ type: 'ANSWER', replyTo: 'req-1', data: 42 })
    await expect(pendingRequest).resolves.toEqual({ type: 'ANSWER', replyTo: 'req-1', data: 42 })
  })

  it('many sends before open arrive complete and in order', async () => {
    const t = createMswStore()
    for (let i = 0; i < 50; i++) t.store.dispatch(t.realtime.actions.send('N', i))
    await t.waitForOpen()
    for (let i = 50; i < 100; i++) t.store.dispatch(t.realtime.actions.send('N', i))
    await until(() => connections.length === 1 && lastConnection().messages.length === 100, '100 frames')
    expect(lastConnection().messages.map((m) => m.data)).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('a send dispatched in reaction to the open (store subscriber) is delivered, not lost', async () => {
    const t = createMswStore()
    let subscribed = false
    t.store.subscribe(() => {
      if (!subscribed && t.connection().status === 'open') {
        subscribed = true
        t.store.dispatch(t.realtime.actions.send('SUBSCRIBE', { topic: 'widgets' }))
      }
    })
    await t.waitForOpen()
    await sendMarker(t)
    expect(lastConnection().messages).toEqual([{ type: 'SUBSCRIBE', data: { topic: 'widgets' } }, { type: 'MARKER' }])
    expect(t.connection().buffer).toEqual([])
  })

  it('a send from an RTK listener on the opened action is delivered after the flushed buffer', async () => {
    const listener = createListenerMiddleware()
    // Assigned once the store exists, read by the listener later on (prefer-const misreads one late assignment).
    let realtimeRef: ReturnType<typeof createMswStore>['realtime'] | undefined = undefined
    listener.startListening({
      type: 'realtime/connection/opened',
      effect: (_action, api) => {
        api.dispatch(realtimeRef!.actions.send('SUBSCRIBE', { topic: 'widgets' }))
      },
    })
    const t = createMswStore({ middleware: [listener.middleware] })
    realtimeRef = t.realtime
    t.store.dispatch(t.realtime.actions.send('HELLO'))
    await t.waitForOpen()
    await sendMarker(t)
    expect(lastConnection().messages).toEqual([{ type: 'HELLO' }, { type: 'SUBSCRIBE', data: { topic: 'widgets' } }, { type: 'MARKER' }])
  })
})
