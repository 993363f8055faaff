import { configureStore, type Middleware, type UnknownAction } from '@reduxjs/toolkit'
import { createRealtime, silentLogger } from 'rtk-realtime'
import { FakeWebSocket } from '../support/fakeWebSocket'

export function make(options: any = {}) {
  FakeWebSocket.reset()
  const realtime: any = createRealtime({
    WebSocket: FakeWebSocket as any,
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
    middleware: (gDM) => gDM({ serializableCheck: { warnAfter: 10_000 }, immutableCheck: { warnAfter: 10_000 } }).prepend(record).concat(realtime.middleware),
  })
  const conn = () => store.getState()[realtime.reducerPath].connection
  const of = (name: string) => seen.filter((a) => a.type === `${realtime.reducerPath}/connection/${name}`) as any[]
  const ofType = (type: string) => seen.filter((a) => a.type === type) as any[]
  return { realtime, store, seen, conn, of, ofType, dispatch: store.dispatch as any }
}

export { FakeWebSocket }

import { vi } from 'vitest'
export async function mk(options: any = {}) {
  const t = make(options)
  await vi.advanceTimersByTimeAsync(0)
  return t
}
