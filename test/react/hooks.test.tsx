// @vitest-environment jsdom
import { StrictMode, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react'
import { act, cleanup, render, renderHook, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { addListener, configureStore, createListenerMiddleware, type Middleware, type UnknownAction } from '@reduxjs/toolkit'
import { Provider } from 'react-redux'
import { createRealtime, type CreateRealtimeOptions, type Envelope, type Realtime } from '../../src'
import { silentLogger } from '../../src/world/logger'
import {
  RealtimeProvider,
  useConnectionStatus,
  useRealtime,
  useWebSocket,
  type UseWebSocketOptions,
} from '../../src/react'
import { inboundEnvelope } from '../../src/connection/inboundEnvelope'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'

interface SetupOptions extends CreateRealtimeOptions {
  /** Add RTK's listener middleware (prepended), which `subscribe`/`onMessage` need. */
  listener?: boolean
  strict?: boolean
}

/** A store with the realtime layer (fake socket, no timers of its own) and RTK's checks on. */
function setup({ listener = true, strict = false, ...options }: SetupOptions = {}) {
  const realtime = createRealtime({
    WebSocket: FakeWebSocket,
    environmentListeners: false,
    logger: silentLogger,
    random: () => 0.5,
    config: { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } },
    ...options,
  })
  const listenerMiddleware = createListenerMiddleware()
  const seen: UnknownAction[] = []
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (gDM) => {
      // The log sits after the listener middleware: it sees what reaches the reducers.
      const log: Middleware = () => (next) => (action) => {
        seen.push(action as UnknownAction)
        return next(action)
      }
      if (!listener) {
        // Without the listener middleware, addListener reaches the serializability check; that is
        // not what the "no listener middleware" test is about.
        return gDM({ serializableCheck: { ignoredActions: [addListener.type] } }).concat(log, realtime.middleware)
      }
      return gDM().prepend(listenerMiddleware.middleware).concat(log, realtime.middleware)
    },
  })
  const wrapper = ({ children }: { children: ReactNode }) => {
    const tree = (
      <Provider store={store}>
        <RealtimeProvider realtime={realtime}>{children}</RealtimeProvider>
      </Provider>
    )
    return strict ? <StrictMode>{tree}</StrictMode> : tree
  }
  const connection = () => realtime.selectors.selectConnection(store.getState())
  stopAfterTest.push(() => store.dispatch(realtime.actions.disconnect()))
  return { realtime, store, wrapper, connection, seen }
}

/** Every store made by a test is disconnected after it: no reconnect timer makes sockets later. */
const stopAfterTest: Array<() => void> = []

/**
 * Moves the fake clock `ms` ahead inside act(), running the timers due on the way and the
 * microtasks around them: no wall time is waited for, and React sees every update.
 */
const advance = (ms: number) =>
  act(async () => {
    await vi.advanceTimersByTimeAsync(ms)
  })

/** Lets the middleware start its saga (a microtask) and the socket saga make its socket; no time passes. */
const settle = () => advance(0)

/** Longer than any delay the package would wait before acting again (reconnect, timeouts). */
const LONG_AFTER = 60_000

/** Moves the fake clock to the scheduled reconnect; the retry's socket is made there. */
const untilRetry = (connection: () => { nextRetryAt: number | null }) => {
  const at = connection().nextRetryAt
  if (at === null) throw new Error('no reconnect is scheduled')
  return advance(at - Date.now())
}

/** Accepts the newest socket and waits for React to see it. */
async function open() {
  await settle()
  act(() => FakeWebSocket.last.acceptOpen())
}

// Fake clock (the package reads the timer globals lazily): nothing here waits for wall time.
// Only setTimeout, clearTimeout and Date: React and testing-library keep their real scheduling.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  for (const stop of stopAfterTest.splice(0)) stop()
  vi.useRealTimers()
})

describe('RealtimeProvider and useRealtime', () => {
  it('useRealtime returns the instance given to the provider', () => {
    const t = setup()
    const { result } = renderHook(() => useRealtime(), { wrapper: t.wrapper })
    expect(result.current).toBe(t.realtime)
  })

  it.each<[string, () => unknown]>([
    ['useRealtime()', () => useRealtime()],
    ['useWebSocket()', () => useWebSocket()],
    ['useConnectionStatus()', () => useConnectionStatus()],
  ])('%s without a provider throws an error naming it', (name, hook) => {
    // An uncaught render error is reported to window (jsdom then logs it); keep the report quiet.
    const quiet = (event: ErrorEvent) => event.preventDefault()
    window.addEventListener('error', quiet)
    try {
      expect(() => renderHook(hook)).toThrow(`rtk-realtime: ${name} must be used inside <RealtimeProvider realtime={realtime}>`)
    } finally {
      window.removeEventListener('error', quiet)
    }
  })

  it('the provider refuses something that is not a realtime instance', () => {
    const quiet = (event: ErrorEvent) => event.preventDefault()
    window.addEventListener('error', quiet)
    try {
      expect(() => render(<RealtimeProvider realtime={undefined as unknown as Realtime<string>} />)).toThrow(
        /<RealtimeProvider realtime=\{\.\.\.\}>: realtime must be what createRealtime\(\) returned, got undefined/,
      )
    } finally {
      window.removeEventListener('error', quiet)
    }
  })
})

describe('one socket, owned by the store', () => {
  function Dashboard() {
    const { status } = useWebSocket({ onConnected: () => {} })
    const connection = useConnectionStatus()
    return (
      <p>
        <span data-testid="status">{status}</span> <span data-testid="received">{connection.received}</span>
      </p>
    )
  }

  it('StrictMode double mount opens exactly one socket, and unmounting closes nothing', async () => {
    const t = setup({ strict: true })
    const view = render(<Dashboard />, { wrapper: t.wrapper })
    await open()
    expect(screen.getByTestId('status').textContent).toBe('open')
    expect(FakeWebSocket.instances).toHaveLength(1)

    // Remounting the whole tree, StrictMode again, still shares the store's socket.
    view.unmount()
    render(<Dashboard />, { wrapper: t.wrapper })
    await advance(LONG_AFTER)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(FakeWebSocket.last.closedByClient).toBeNull()
    expect(screen.getByTestId('status').textContent).toBe('open')
  })

  it('a store made once per app in a component (the useRef pattern) opens one socket under StrictMode', async () => {
    // Not useState(makeStore): StrictMode calls that initializer twice, and the discarded store's
    // middleware would still open a socket. Module scope or a ref is one store, one socket.
    function App() {
      const store = useRef<ReturnType<typeof setup> | null>(null)
      store.current ??= setup()
      return (
        <store.current.wrapper>
          <Dashboard />
        </store.current.wrapper>
      )
    }
    render(
      <StrictMode>
        <App />
      </StrictMode>,
    )
    await settle()
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('many components using the hooks share one socket', async () => {
    const t = setup({ strict: true })
    render(
      <>
        <Dashboard />
        <Dashboard />
        <Dashboard />
      </>,
      { wrapper: t.wrapper },
    )
    await open()
    act(() => FakeWebSocket.last.deliver({ type: 'HELLO', data: 1 }))
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(screen.getAllByTestId('received').map((n) => n.textContent)).toEqual(['1', '1', '1'])
  })

  it('hooks never connect: with AUTO_CONNECT off nothing opens until connect()', async () => {
    const t = setup({ strict: true, config: { websocket: { AUTO_CONNECT: false, HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } } })
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper })
    await advance(LONG_AFTER)
    expect(FakeWebSocket.instances).toHaveLength(0)
    expect(result.current.status).toBe('idle')
    act(() => result.current.connect())
    await settle()
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(result.current.status).toBe('connecting')
  })
})

describe('useWebSocket', () => {
  it('returns the connection state and follows it', async () => {
    const t = setup()
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper })
    expect(result.current.status).toBe('idle')
    expect(result.current.isConnected).toBe(false)
    await settle()
    expect(result.current.status).toBe('connecting')
    act(() => FakeWebSocket.last.acceptOpen())
    expect(result.current).toMatchObject({ status: 'open', isConnected: true, latencyMs: null })
    expect(result.current.state).toBe(t.connection())
    act(() => FakeWebSocket.last.serverClose(1006, 'gone'))
    expect(result.current.status).toBe('reconnecting')
    expect(result.current.state.lastClose).toEqual({ code: 1006, reason: 'gone', wasClean: false })
  })

  it('send, request, disconnect and connect dispatch the package actions', async () => {
    const t = setup()
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper })
    await open()
    act(() => result.current.send('HELLO', { a: 1 }))
    expect(FakeWebSocket.last.sentMessages).toEqual([{ type: 'HELLO', data: { a: 1 } }])

    let reply: Promise<Envelope> | undefined
    act(() => {
      reply = result.current.request('ECHO', { x: 1 }, { timeout: 5_000 })
    })
    const sent = FakeWebSocket.last.sentMessages.at(-1)!
    expect(sent).toMatchObject({ type: 'ECHO', data: { x: 1 } })
    act(() => FakeWebSocket.last.deliver({ type: 'ECHO', replyTo: sent.id, data: { x: 1 } }))
    await expect(reply).resolves.toMatchObject({ type: 'ECHO', replyTo: sent.id, data: { x: 1 } })

    const first = FakeWebSocket.last
    act(() => result.current.disconnect())
    expect(result.current.status).toBe('closed')
    expect(first.closedByClient).not.toBeNull()
    // No reconnect after a user disconnect, however long one waits (RECONNECT_DELAY is 1 s).
    await advance(LONG_AFTER)
    expect(FakeWebSocket.instances).toHaveLength(1)

    act(() => result.current.connect())
    await settle()
    expect(FakeWebSocket.instances).toHaveLength(2)
    act(() => FakeWebSocket.last.acceptOpen())
    expect(result.current.status).toBe('open')
  })

  it('a failed request rejects with plain data', async () => {
    const t = setup()
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper })
    await open()
    let reply: Promise<Envelope> | undefined
    act(() => {
      reply = result.current.request('ECHO', {}, { timeout: 20 })
    })
    let error: unknown = 'pending'
    void reply!.then(
      () => (error = null),
      (e: unknown) => (error = e),
    )
    await advance(19)
    expect(error).toBe('pending')
    await advance(1)
    expect(error).toMatchObject({ code: 'REQUEST_TIMEOUT' })
    expect(error).not.toBeInstanceOf(Error)
  })

  it('its functions are stable across renders', async () => {
    const t = setup()
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper })
    const before = result.current
    await open()
    const after = result.current
    expect(after).not.toBe(before)
    for (const name of ['send', 'request', 'connect', 'disconnect', 'subscribe'] as const) {
      expect(after[name]).toBe(before[name])
    }
  })

  it('calls onConnected, onDisconnected and onError on transitions', async () => {
    const t = setup({ config: { websocket: { RECONNECT_DELAY: 5, HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } } })
    const calls: string[] = []
    renderHook(
      () =>
        useWebSocket({
          onConnected: (c) => calls.push(`connected ${c.status}`),
          onDisconnected: (close, c) => calls.push(`disconnected ${close?.code} ${c.status}`),
          onError: (error) => calls.push(`error ${error.name}`),
        }),
      { wrapper: t.wrapper },
    )
    await open()
    act(() => FakeWebSocket.last.serverClose(4000, 'bye'))
    await untilRetry(t.connection)
    expect(FakeWebSocket.instances).toHaveLength(2)
    act(() => {
      FakeWebSocket.last.fail()
      FakeWebSocket.last.serverClose(1006)
    })
    const error = t.connection().lastError
    expect(error).not.toBeNull()
    await untilRetry(t.connection)
    expect(FakeWebSocket.instances).toHaveLength(3)
    act(() => FakeWebSocket.last.acceptOpen())
    act(() => t.store.dispatch(t.realtime.actions.disconnect()))
    expect(calls).toEqual([
      'connected open',
      'disconnected 4000 reconnecting',
      `error ${error!.name}`,
      'connected open',
      'disconnected 1006 closed',
    ])
  })

  it('reports a transition that happens between the first render and the effects', async () => {
    for (const strict of [false, true]) {
      FakeWebSocket.reset()
      const t = setup({ strict })
      await settle()
      expect(t.connection().status).toBe('connecting')
      const onConnected = vi.fn()
      function Watcher() {
        useWebSocket({ onConnected })
        return null
      }
      // Layout effects run before any passive effect: the socket opens after Watcher rendered
      // 'connecting' but before its effect subscribed to the store.
      function OpensSocket() {
        useLayoutEffect(() => FakeWebSocket.last.acceptOpen(), [])
        return null
      }
      const view = render(
        <>
          <Watcher />
          <OpensSocket />
        </>,
        { wrapper: t.wrapper },
      )
      expect(t.connection().status).toBe('open')
      expect(onConnected).toHaveBeenCalledTimes(1)
      view.unmount()
    }
  })

  it('does not call onConnected for a component that renders when already open', async () => {
    const t = setup({ strict: true })
    await open()
    const onConnected = vi.fn()
    renderHook(() => useWebSocket({ onConnected }), { wrapper: t.wrapper })
    await advance(LONG_AFTER)
    expect(onConnected).not.toHaveBeenCalled()
  })

  it('StrictMode reports each transition once', async () => {
    const t = setup({ strict: true })
    const onConnected = vi.fn()
    const onDisconnected = vi.fn()
    renderHook(() => useWebSocket({ onConnected, onDisconnected }), { wrapper: t.wrapper })
    await open()
    act(() => t.store.dispatch(t.realtime.actions.disconnect()))
    expect(onConnected).toHaveBeenCalledTimes(1)
    expect(onDisconnected).toHaveBeenCalledTimes(1)
  })

  it('uses the latest callbacks without resubscribing', async () => {
    const t = setup()
    const subscribe = vi.spyOn(t.store, 'subscribe')
    const first = vi.fn()
    const second = vi.fn()
    const { rerender } = renderHook((props: UseWebSocketOptions) => useWebSocket(props), {
      wrapper: t.wrapper,
      initialProps: { onConnected: first },
    })
    await settle()
    const subscriptions = subscribe.mock.calls.length
    rerender({ onConnected: second })
    rerender({ onConnected: second })
    act(() => FakeWebSocket.last.acceptOpen())
    expect(first).not.toHaveBeenCalled()
    expect(second).toHaveBeenCalledTimes(1)
    expect(subscribe.mock.calls.length).toBe(subscriptions)
  })

  it('a callback that throws is reported (reportError) and does not break the store', async () => {
    const t = setup()
    const reportError = vi.fn()
    vi.stubGlobal('reportError', reportError)
    try {
      renderHook(() => useWebSocket({ onConnected: () => { throw new Error('user bug') } }), { wrapper: t.wrapper })
      await open()
      expect(t.connection().status).toBe('open')
      act(() => FakeWebSocket.last.deliver({ type: 'HELLO' }))
      expect(t.connection().received).toBe(1)
      expect(reportError).toHaveBeenCalledWith(expect.objectContaining({ message: 'user bug' }))
    } finally {
      vi.unstubAllGlobals()
    }
  })
})

describe('useWebSocket().subscribe and onMessage', () => {
  function Stats() {
    const { subscribe } = useWebSocket()
    const [stats, setStats] = useState<unknown[]>([])
    useEffect(() => subscribe('STATS', (message) => setStats((s) => [...s, message.data])), [subscribe])
    return <output data-testid="stats">{JSON.stringify(stats)}</output>
  }

  it('delivers messages of one type to a subscriber, once each, even under StrictMode', async () => {
    const t = setup({ strict: true })
    render(<Stats />, { wrapper: t.wrapper })
    await open()
    await act(async () => {
      FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 1 }, seq: 1 })
      FakeWebSocket.last.deliver({ type: 'OTHER', data: 'x', seq: 2 })
      FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 2 }, seq: 3 })
      await endOfTurn()
    })
    expect(screen.getByTestId('stats').textContent).toBe('[{"cpu":1},{"cpu":2}]')
  })

  it('the handler gets the envelope; the unsubscribe stops delivery', async () => {
    const t = setup()
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper })
    await open()
    const handler = vi.fn()
    const unsubscribe = result.current.subscribe('STATS', handler)
    act(() => FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 1 }, seq: 4, ts: 99 }))
    expect(handler).toHaveBeenCalledWith({ type: 'STATS', data: { cpu: 1 }, seq: 4, ts: 99 })
    unsubscribe()
    act(() => FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 2 }, seq: 5 }))
    expect(handler).toHaveBeenCalledTimes(1)
    // Nothing of the subscription reached the reducers or the action log.
    expect(t.seen.some((a) => a.type.startsWith('listenerMiddleware/'))).toBe(false)
  })

  it('onMessage receives every inbound message and uses the latest callback', async () => {
    const t = setup()
    const first = vi.fn()
    const second = vi.fn()
    const { rerender } = renderHook((props: UseWebSocketOptions) => useWebSocket(props), {
      wrapper: t.wrapper,
      initialProps: { onMessage: first },
    })
    await open()
    act(() => FakeWebSocket.last.deliver({ type: 'A', data: 1 }))
    rerender({ onMessage: second })
    await act(async () => {
      FakeWebSocket.last.deliver({ type: 'B', data: 2 })
      await endOfTurn()
    })
    expect(first.mock.calls).toEqual([[{ type: 'A', data: 1 }]])
    expect(second.mock.calls).toEqual([[{ type: 'B', data: 2 }]])
  })

  it('messages of another instance are not delivered', async () => {
    const t = setup()
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper })
    await open()
    const handler = vi.fn()
    result.current.subscribe('STATS', handler)
    const other = createRealtime({ reducerPath: 'other', WebSocket: FakeWebSocket, logger: silentLogger, environmentListeners: false })
    act(() => {
      t.store.dispatch(other.actions.messageReceived({ type: 'STATS', data: 1 }, 0))
    })
    expect(handler).not.toHaveBeenCalled()
  })

  it('rebuilds the envelope of a routed message once the core records its wire type in meta', () => {
    const t = setup({ inbound: { WIDGET_UPDATE: 'widgets/updated' } })
    const routed = {
      type: 'widgets/updated',
      payload: { id: 'w-1', value: 3 },
      meta: { realtime: { source: 'realtime', receivedAt: 1, seq: 9, ts: 5, type: 'WIDGET_UPDATE' } },
    }
    expect(inboundEnvelope(routed, t.realtime.reducerPath)).toEqual({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 3 }, seq: 9, ts: 5 })
    const { type: _type, ...withoutType } = routed.meta.realtime
    expect(inboundEnvelope({ ...routed, meta: { realtime: withoutType } }, t.realtime.reducerPath)).toBeNull()
    expect(inboundEnvelope({ type: 'widgets/updated', payload: {} }, t.realtime.reducerPath)).toBeNull()
  })

  it('subscribe and onMessage need no listener middleware, and nothing reaches the serializability check', async () => {
    const t = setup({ listener: false })
    const onMessage = vi.fn()
    const { result } = renderHook(() => useWebSocket({ onMessage }), { wrapper: t.wrapper })
    const handler = vi.fn()
    let unsubscribe = () => {}
    act(() => {
      unsubscribe = result.current.subscribe('STATS', handler)
    })
    await open()
    act(() => FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 1 } }))
    expect(handler).toHaveBeenCalledWith({ type: 'STATS', data: { cpu: 1 } })
    expect(onMessage).toHaveBeenCalledWith({ type: 'STATS', data: { cpu: 1 } })
    unsubscribe()
    act(() => FakeWebSocket.last.deliver({ type: 'STATS', data: { cpu: 2 } }))
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('subscribe checks its arguments', () => {
    const t = setup()
    const { result } = renderHook(() => useWebSocket(), { wrapper: t.wrapper })
    expect(() => result.current.subscribe('', () => {})).toThrow(/useWebSocket\(\)\.subscribe\(type, handler\): type must be a non-empty string/)
    expect(() => result.current.subscribe('X', 'nope' as never)).toThrow(/handler must be a function/)
  })
})

describe('useConnectionStatus', () => {
  it('returns the connection slice and re-renders on change', async () => {
    const t = setup()
    const { result } = renderHook(() => useConnectionStatus(), { wrapper: t.wrapper })
    expect(result.current).toBe(t.connection())
    await open()
    act(() => FakeWebSocket.last.deliver({ type: 'X' }))
    expect(result.current).toMatchObject({ status: 'open', received: 1 })
    expect(result.current).toBe(t.connection())
  })
})
