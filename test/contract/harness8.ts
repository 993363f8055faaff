// A store wired as the README's "Jest and Vitest" section says (FakeWebSocket, fake timers, no
// environment listeners, silent logger, fixed random), recording every action and notification.
import { configureStore, type Middleware, type UnknownAction } from '@reduxjs/toolkit'
import { vi } from 'vitest'
import { collection, createRealtime, silentLogger } from 'rtk-realtime'
import { FakeWebSocket, endOfTurn } from '../support/fakeWebSocket'

export type Widget = { id: string; value: number; title?: string }

export function make8(options: any = {}, updates: Record<string, unknown> = {}) {
  FakeWebSocket.reset()
  const { config, ...rest } = options
  const realtime = createRealtime({
    WebSocket: FakeWebSocket as any,
    environmentListeners: false,
    logger: silentLogger,
    random: () => 0.5,
    sync: false,
    collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) },
    mutations: {
      updateWidget: {
        collection: 'widgets',
        message: 'WIDGET_UPDATE',
        apply: (w: Widget | null, { value }: { id: string; value: number }) => { if (w) w.value = value },
      },
    },
    config: { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 }, updates, ...(config ?? {}) },
    ...rest,
  } as any) as any
  const seen: UnknownAction[] = []
  const record: Middleware = () => (next) => (action) => {
    seen.push(action as UnknownAction)
    return next(action)
  }
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (gDM) => gDM({ serializableCheck: { warnAfter: 10_000 }, immutableCheck: { warnAfter: 10_000 } }).prepend(record).concat(realtime.middleware),
  })
  let notifications = 0
  store.subscribe(() => { notifications++ })
  const path = realtime.reducerPath as string
  const ofType = (type: string) => seen.filter((a) => a.type === type) as any[]
  const batches = () => ofType(`${path}/collections/entitiesUpdated`)
  const rejections = () => ofType(`${path}/connection/messageRejected`)
  const entity = (key: string) => realtime.selectors.selectEntity(store.getState(), 'widgets', key)
  const record8 = (key: string) => realtime.selectors.selectEntityRecord(store.getState(), 'widgets', key)
  return {
    realtime, store, seen, ofType, batches, rejections, entity, record: record8,
    notifications: () => notifications,
    dispatch: store.dispatch as any,
  }
}

/** Makes the store, lets the middleware start, opens the socket. */
export async function open8(options: any = {}, updates: Record<string, unknown> = {}) {
  const t = make8(options, updates)
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  await vi.advanceTimersByTimeAsync(0)
  return { ...t, socket }
}

export const upd = (id: string, version: number, value: number, extra: Record<string, unknown> = {}) =>
  ({ type: 'WIDGET_UPDATE', data: { id, version, value }, ...extra })

export { FakeWebSocket, endOfTurn }
