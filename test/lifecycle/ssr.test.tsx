import { configureStore, createSlice } from '@reduxjs/toolkit'
import { renderToString } from 'react-dom/server'
import { Provider } from 'react-redux'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRealtime } from '../../src'
import { RealtimeProvider, useConnectionStatus, useEntity } from '../../src/react'
import { FakeWebSocket } from '../support/fakeWebSocket'

// A server-side render: a store per request, no window, no global WebSocket, nothing injected, the
// default logger (the console) and auto-connect on. test/setup/failOnConsole.ts fails the test on
// any console.error or console.warn.

const page = createSlice({ name: 'page', initialState: { title: 'Widgets' }, reducers: {} })

/** What an app's makeStore does, on the server and in the browser alike. */
function makeStore(options: { WebSocket?: typeof FakeWebSocket; preloadedState?: { page: { title: string } } } = {}) {
  const realtime = createRealtime({ collections: { widgets: { updates: ['WIDGET_UPDATE'] } }, ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}) })
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer, page: page.reducer },
    middleware: (gDM) => gDM().concat(realtime.middleware),
    ...(options.preloadedState ? { preloadedState: options.preloadedState } : {}),
  })
  return { realtime, store }
}

function Status() {
  const { status, lastError } = useConnectionStatus()
  const widget = useEntity('widgets', 'w-1')
  return (
<p>{`${status} ${lastError?.code ?? 'none'} ${widget.status}`}</p>
  )
}

let savedWebSocket: unknown
beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
  savedWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket
  delete (globalThis as { WebSocket?: unknown }).WebSocket
})
afterEach(() => {
  if (savedWebSocket !== undefined) (globalThis as { WebSocket?: unknown }).WebSocket = savedWebSocket
  vi.useRealTimers()
})

describe('server-side rendering', () => {
  it('a store per request opens no socket, logs nothing, stays idle and says why in state', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined')
    const error = vi.spyOn(console, 'error')
    const warn = vi.spyOn(console, 'warn')
    for (let request = 0; request < 3; request++) {
      const { realtime, store } = makeStore()
      await vi.advanceTimersByTimeAsync(0)
      const html = renderToString(
        <Provider store={store}>
          <RealtimeProvider realtime={realtime}>
            <Status />
          </RealtimeProvider>
        </Provider>,
      )
      expect(html).toBe('<p>idle NO_WEBSOCKET loading</p>')
      const connection = realtime.selectors.selectConnection(store.getState())
      expect(connection).toMatchObject({ status: 'idle', attempt: 0, nextRetryAt: null })
      expect(connection.lastError).toMatchObject({ name: 'ConfigurationError', code: 'NO_WEBSOCKET' })
      expect(connection.lastError!.message).toContain('createRealtime({ WebSocket })')
      // Nothing waits on a timer: no reconnect, no heartbeat, no sync.
      expect(vi.getTimerCount()).toBe(0)
      // connect() looks again, and finds nothing again: still quiet.
      store.dispatch(realtime.actions.connect())
      await vi.advanceTimersByTimeAsync(60_000)
      expect(realtime.selectors.selectConnectionStatus(store.getState())).toBe('idle')
      store.dispatch(realtime.actions.dispose())
    }
    expect(error).not.toHaveBeenCalled()
    expect(warn).not.toHaveBeenCalled()
  })

  it('the browser hydrates its own slices and connects with its WebSocket', async () => {
    const server = makeStore()
    await vi.advanceTimersByTimeAsync(0)
    // The realtime slice stays out of what is sent to the browser: its socket state is the server's.
    const { realtime: _serverConnection, ...preloadedState } = server.store.getState()
    server.store.dispatch(server.realtime.actions.dispose())

    const client = makeStore({ WebSocket: FakeWebSocket, preloadedState: JSON.parse(JSON.stringify(preloadedState)) })
    await vi.advanceTimersByTimeAsync(0)
    expect(client.store.getState().page.title).toBe('Widgets')
    expect(FakeWebSocket.instances).toHaveLength(1)
    FakeWebSocket.last.acceptOpen()
    expect(client.realtime.selectors.selectConnection(client.store.getState())).toMatchObject({ status: 'open', lastError: null })
    client.store.dispatch(client.realtime.actions.dispose())
  })

  it('a global WebSocket that appears later is found by connect()', async () => {
    const { realtime, store } = makeStore()
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.instances).toHaveLength(0)
    ;(globalThis as { WebSocket?: unknown }).WebSocket = FakeWebSocket
    store.dispatch(realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(realtime.selectors.selectConnectionStatus(store.getState())).toBe('connecting')
    store.dispatch(realtime.actions.dispose())
  })
})
