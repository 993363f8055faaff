// A store wired as the README's "Jest and Vitest" section says (FakeWebSocket, fake timers, no
// environment listeners, silent logger, fixed random), recording every action and notification.
import { vi } from 'vitest'
import { collection } from 'rtk-realtime'
import { FakeWebSocket, endOfTurn } from '../support/fakeWebSocket'
import { make } from './harness'

export type Widget = { id: string; value: number; title?: string }

export function make8(options: any = {}, updates: Record<string, unknown> = {}) {
  const { config, ...rest } = options
  const { realtime, store, seen, ofType } = make({
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
  })
  let notifications = 0
  store.subscribe(() => { notifications++ })
  const path = realtime.reducerPath as string
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
