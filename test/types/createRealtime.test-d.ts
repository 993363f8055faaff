import { configureStore, createAction } from '@reduxjs/toolkit'
import { describe, expectTypeOf, it } from 'vitest'
import { WebSocket as NodeWebSocket } from 'ws'
import {
  createRealtime,
  type ConnectionState,
  type ConnectionStatus,
  type Envelope,
  type RealtimeState,
  type SendRefusal,
  type WebSocketConstructor,
} from 'rtk-realtime'

describe('createRealtime types', () => {
  it('keeps reducerPath literal so the store state is typed', () => {
    const realtime = createRealtime()
    expectTypeOf(realtime.reducerPath).toEqualTypeOf<'realtime'>()
    const store = configureStore({
      reducer: { [realtime.reducerPath]: realtime.reducer, other: (s: number = 0) => s },
      middleware: (gDM) => gDM().concat(realtime.middleware),
    })
    expectTypeOf(store.getState().realtime).toEqualTypeOf<RealtimeState>()
    expectTypeOf(store.getState().other).toEqualTypeOf<number>()
    expectTypeOf(store.getState().realtime.connection).toEqualTypeOf<ConnectionState>()

    const live = createRealtime({ reducerPath: 'live' })
    expectTypeOf(live.reducerPath).toEqualTypeOf<'live'>()
  })

  it('dispatching a request returns a promise of the reply envelope', () => {
    const realtime = createRealtime()
    const store = configureStore({
      reducer: { [realtime.reducerPath]: realtime.reducer },
      middleware: (gDM) => gDM().concat(realtime.middleware),
    })
    expectTypeOf(store.dispatch(realtime.request('ECHO', { a: 1 }, { timeout: 10 }))).toEqualTypeOf<Promise<Envelope>>()
    // Ordinary actions still return themselves.
    expectTypeOf(store.dispatch(realtime.actions.connect())).toMatchTypeOf<{ type: string }>()
  })

  it('accepts the browser, ws and test WebSocket constructors', () => {
    expectTypeOf(globalThis.WebSocket).toMatchTypeOf<WebSocketConstructor>()
    expectTypeOf(NodeWebSocket).toMatchTypeOf<WebSocketConstructor>()
    createRealtime({ WebSocket: NodeWebSocket })
    createRealtime({ WebSocket: globalThis.WebSocket })
  })

  it('types options, actions and selectors', () => {
    const received = createAction<{ cpu: number }>('stats/received')
    const realtime = createRealtime({
      url: async () => 'ws://127.0.0.1:1/ws',
      inbound: { STATS: received, ALERT: 'alerts/raised', X: { action: 'x', validate: (data) => data !== null } },
      config: { websocket: { RECONNECT_ATTEMPTS: 3 }, environments: { test: { features: { ENABLE_WEBSOCKET: false } } } },
    })
    expectTypeOf(realtime.actions.send).parameters.toEqualTypeOf<[type: string, data?: unknown]>()
    expectTypeOf(realtime.actions.sendRefused).parameter(0).toEqualTypeOf<SendRefusal>()
    expectTypeOf<SendRefusal>().toEqualTypeOf<{ type: string; code: 'BUFFER_FULL'; reason: string; requestId?: string; at: number }>()
    expectTypeOf(realtime.selectors.selectConnectionStatus).returns.toEqualTypeOf<ConnectionStatus>()
    expectTypeOf(realtime.getConfig('websocket.RECONNECT_ATTEMPTS')).toEqualTypeOf<number>()

    // @ts-expect-error unknown option
    createRealtime({ URL: 'ws://x' })
    // @ts-expect-error url must be a string or a function
    createRealtime({ url: 42 })
    // @ts-expect-error unknown config option
    createRealtime({ config: { websocket: { URLL: 'x' } } })
    // @ts-expect-error unknown config path
    realtime.getConfig('websocket.NOPE')
  })
})
