import { configureStore, type Middleware, type UnknownAction } from '@reduxjs/toolkit'
import { createRealtime, type CreateRealtimeOptions } from '../../src'
import { silentLogger } from '../../src/world/logger'
import { FakeWebSocket } from './fakeWebSocket'

/**
 * A store with the realtime reducer and middleware, RTK's serializability and immutability
 * checks on (a warning fails the test, see test/setup/failOnConsole.ts), an in-memory socket,
 * and a log of every action.
 */
export function createTestStore(options: CreateRealtimeOptions = {}) {
  const realtime = createRealtime({
    WebSocket: FakeWebSocket,
    environmentListeners: false,
    logger: silentLogger,
    random: () => 0.5,
    ...options,
  })
  const seen: UnknownAction[] = []
  const record: Middleware = () => (next) => (action) => {
    seen.push(action as UnknownAction)
    return next(action)
  }
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (getDefault) =>
      getDefault({
        serializableCheck: { warnAfter: 10_000 },
        immutableCheck: { warnAfter: 10_000 },
      })
        .prepend(record)
        .concat(realtime.middleware),
  })
  const types = () => seen.map((a) => a.type)
  const connection = () => realtime.selectors.selectConnection(store.getState())
  return { realtime, store, seen, types, connection }
}
