import { configureStore, type Middleware } from '@reduxjs/toolkit'
import { createApi, fetchBaseQuery } from '@reduxjs/toolkit/query'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRealtime, silentLogger } from '../../src'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'

// The RTK Query bridge: an app that reads widgets through an RTK Query endpoint too stays
// consistent, because entity changes from the socket invalidate the endpoint's tags.

const API = 'https://api.example.test'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())
beforeEach(() => FakeWebSocket.reset())

/** The server's widgets, as the HTTP endpoint serves them. */
const widgets: Record<string, { id: string; value: number; version: number }> = {}

function makeStore(tags?: (change: { collection: string; keys: string[] }) => readonly unknown[]) {
  const api = createApi({
    baseQuery: fetchBaseQuery({ baseUrl: API }),
    tagTypes: ['Widget'],
    endpoints: (build) => ({
      getWidget: build.query<{ id: string; value: number }, string>({
        query: (id) => `/widgets/${id}`,
        providesTags: (_result, _error, id) => [{ type: 'Widget', id }],
      }),
    }),
  })
  const realtime = createRealtime({
    WebSocket: FakeWebSocket,
    logger: silentLogger,
    environmentListeners: false,
    collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
    config: { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 }, updates: { BATCH_MODE: 'off' } },
    sync: {
      invalidate: {
        api,
        tags: tags ?? (({ collection, keys }) => (collection === 'widgets' ? keys.map((id) => ({ type: 'Widget' as const, id })) : [])),
      },
    },
  })
  // The tags every `invalidateTags` dispatched carried, in order: what "nothing invalidated" is read from.
  const invalidatedTags: unknown[][] = []
  const recordInvalidations: Middleware = () => (next) => (action) => {
    if (api.util.invalidateTags.match(action)) invalidatedTags.push([...action.payload])
    return next(action)
  }
  const store = configureStore({
    reducer: { [api.reducerPath]: api.reducer, [realtime.reducerPath]: realtime.reducer },
    middleware: (gDM) => gDM().prepend(recordInvalidations).concat(api.middleware, realtime.middleware),
  })
  return { api, realtime, store, invalidatedTags }
}

describe('sync.invalidate: RTK Query tags of changed entities', () => {
  it('a query refetches after its entity changes (sync result or live update), not after others', async () => {
    widgets['w-1'] = { id: 'w-1', value: 1, version: 1 }
    widgets['w-2'] = { id: 'w-2', value: 2, version: 1 }
    let fetches = 0
    server.use(http.get(`${API}/widgets/:id`, ({ params }) => {
      fetches += 1
      const { version: _v, ...entity } = widgets[params.id as string]!
      return HttpResponse.json(entity)
    }))
    const { api, realtime, store, invalidatedTags } = makeStore()
    const subscription = store.dispatch(api.endpoints.getWidget.initiate('w-1'))
    await subscription
    expect(fetches).toBe(1)
    const data = () => api.endpoints.getWidget.select('w-1')(store.getState()).data

    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1))
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    await endOfTurn()
    const [request] = socket.syncRequests
    // The initial snapshot brings w-1 and w-2: both are new to the client, both "changed".
    socket.deliver({ type: 'SYNC', replyTo: request!.id, data: { snapshot: true, seq: 1, messages: Object.values(widgets).map((w) => ({ type: 'WIDGET_UPDATE', data: w })) } })
    await vi.waitFor(() => expect(fetches).toBe(2))

    // Another user changes w-1: the socket says so, the endpoint refetches it.
    widgets['w-1'] = { id: 'w-1', value: 10, version: 2 }
    socket.deliver({ type: 'WIDGET_UPDATE', data: widgets['w-1'], seq: 2 })
    await vi.waitFor(() => expect(data()).toEqual({ id: 'w-1', value: 10 }))
    expect(fetches).toBe(3)

    // A change of w-2, and a repeat of w-1's version: nothing for this query. Frames are handled in
    // order, so once w-2's next change (seq 5, the barrier) is in the store, both were handled, and
    // any invalidation they caused was dispatched: no time is waited.
    const invalidationsBefore = invalidatedTags.length
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-2', value: 3, version: 2 }, seq: 3 })
    socket.deliver({ type: 'WIDGET_UPDATE', data: widgets['w-1'], seq: 4 })
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-2', value: 4, version: 3 }, seq: 5 })
    await vi.waitFor(() => expect(realtime.selectors.selectEntity(store.getState(), 'widgets', 'w-2')).toEqual({ id: 'w-2', value: 4 }))
    expect(invalidatedTags.slice(invalidationsBefore)).toEqual([[{ type: 'Widget', id: 'w-2' }], [{ type: 'Widget', id: 'w-2' }]])
    expect(api.endpoints.getWidget.select('w-1')(store.getState()).status).toBe('fulfilled')
    expect(fetches).toBe(3)
    subscription.unsubscribe()
    store.dispatch(realtime.actions.disconnect())
  })

  it('tags() gets the changed keys per collection; a repeated version changes nothing', async () => {
    const invalidated: unknown[] = []
    const { store, realtime } = makeStore((change) => (invalidated.push(change), []))
    await vi.waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1))
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    await endOfTurn()
    socket.deliver({ type: 'SYNC', replyTo: socket.syncRequests[0]!.id, data: { seq: 0, messages: [] } })
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 1, version: 1 }, seq: 1 })
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 1, version: 1 }, seq: 2 })
    await endOfTurn()
    expect(invalidated).toEqual([{ collection: 'widgets', keys: ['w-1'] }])
    store.dispatch(realtime.actions.disconnect())
  })
})
