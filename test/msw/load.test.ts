import { configureStore, type Middleware, type UnknownAction } from '@reduxjs/toolkit'
import { delay, http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRealtime, silentLogger, type CreateRealtimeOptions, type RealtimeConfigInput } from '../../src'

// `collections.<name>.load` against HTTP endpoints mocked with msw `http` handlers: real fetch,
// real timers, no socket (features.ENABLE_WEBSOCKET off): the HTTP-only way to fill a collection.

const API = 'https://api.example.test'
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const stores: Array<() => void> = []
afterEach(() => {
  for (const stop of stores.splice(0)) stop()
})

/** The loader of the README recipe: fetch, refuse a non-2xx answer, hand over the JSON. */
const fetchWidgets = async ({ signal }: { signal: AbortSignal }) => {
  const response = await fetch(`${API}/widgets`, { signal })
  if (!response.ok) throw new Error(`GET /widgets: HTTP ${response.status}`)
  return (await response.json()) as unknown[]
}

function createStore(options: { load?: NonNullable<CreateRealtimeOptions['collections']>[string]['load']; config?: RealtimeConfigInput } = {}) {
  const realtime = createRealtime({
    logger: silentLogger,
    environmentListeners: false,
    collections: { widgets: { load: options.load ?? fetchWidgets } },
    config: {
      ...options.config,
      features: { ENABLE_WEBSOCKET: false, ...options.config?.features },
      backgroundSync: { SYNC_INTERVAL: 0, ...options.config?.backgroundSync },
    },
  })
  const seen: UnknownAction[] = []
  const record: Middleware = () => (next) => (action) => {
    seen.push(action as UnknownAction)
    return next(action)
  }
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (gDM) =>
      gDM({ serializableCheck: { warnAfter: 10_000 }, immutableCheck: { warnAfter: 10_000 } })
        .prepend(record)
        .concat(realtime.middleware),
  })
  // Offline pauses every sync: no load of this store reaches the next test's handlers.
  stores.push(() => store.dispatch(realtime.actions.offline()))
  const s = realtime.selectors
  return {
    realtime,
    store,
    seen,
    sync: () => s.selectSync(store.getState()),
    view: (key: string) => s.selectEntity(store.getState(), 'widgets', key),
    record: (key: string) => s.selectEntityRecord(store.getState(), 'widgets', key),
    status: () => s.selectCollectionStatus(store.getState(), 'widgets'),
    ofType: (name: string) => seen.filter((a) => a.type === `realtime/${name}`).map((a) => a.payload as any),
  }
}

const until = (condition: () => boolean, what: string, timeout = 3000) =>
  vi.waitFor(() => {
    if (!condition()) throw new Error(`timed out waiting for ${what}`)
  }, { timeout, interval: 5 })

describe('load: collections filled over HTTP', () => {
  it('loads at start: loading until the answer, then ready with the entities', async () => {
    let requests = 0
    server.use(http.get(`${API}/widgets`, () => {
      requests += 1
      return HttpResponse.json([{ id: 'w-1', title: 'CPU', value: 1, version: 3 }, { id: 'w-2', title: 'RAM', value: 2, version: 1 }])
    }))
    const t = createStore()
    expect(t.status()).toBe('loading')
    await until(() => t.status() === 'ready', 'the first load')
    expect(requests).toBe(1)
    expect(t.record('w-1')).toEqual({ confirmed: { id: 'w-1', title: 'CPU', value: 1 }, version: 3, view: { id: 'w-1', title: 'CPU', value: 1 } })
    expect(t.view('w-2')).toEqual({ id: 'w-2', title: 'RAM', value: 2 })
    expect(t.sync()).toMatchObject({ status: 'idle', lastReason: 'initial', lastError: null, seq: null })
    expect(t.ofType('sync/syncSucceeded')).toEqual([
      expect.objectContaining({ collections: ['widgets'], snapshot: true, removals: [], reason: 'initial' }),
    ])
  })

  it('reloads every SYNC_INTERVAL: changes applied, entities left out deleted', async () => {
    let answer: unknown[] = [{ id: 'w-1', value: 1, version: 1 }, { id: 'w-2', value: 2, version: 1 }]
    server.use(http.get(`${API}/widgets`, () => HttpResponse.json(answer)))
    const t = createStore({ config: { backgroundSync: { SYNC_INTERVAL: 100 } } })
    await until(() => t.status() === 'ready', 'the first load')
    answer = [{ id: 'w-1', value: 10, version: 2 }]
    await until(() => t.view('w-2') === null, 'w-2 deleted by a later load')
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 10 })
    expect(t.record('w-2')).toEqual({ confirmed: null, version: 1, view: null })
    expect(t.ofType('sync/syncStarted').slice(1).every((p) => p.reason === 'interval')).toBe(true)
  })

  it('an HTTP error is a sync error with a plain error, retried on the next interval', async () => {
    let fail = true
    server.use(http.get(`${API}/widgets`, () => (fail ? new HttpResponse('down', { status: 503 }) : HttpResponse.json([{ id: 'w-1', value: 1, version: 1 }]))))
    const t = createStore({ config: { backgroundSync: { SYNC_INTERVAL: 150 } } })
    await until(() => t.sync().status === 'error', 'the failed load')
    expect(t.sync().lastError).toEqual({ name: 'LoadError', code: 'LOAD_FAILED', message: 'rtk-realtime: collections.widgets.load failed: GET /widgets: HTTP 503' })
    expect(t.sync().collections.widgets).toMatchObject({ status: 'loading', syncing: false, error: { code: 'LOAD_FAILED' } })
    fail = false
    await until(() => t.status() === 'ready', 'the retry')
    expect(t.sync()).toMatchObject({ status: 'idle', lastError: null })
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 1 })
  })

  it('no answer within websocket.REQUEST_TIMEOUT: LOAD_TIMEOUT, and the request is aborted', async () => {
    let aborted = false
    server.use(http.get(`${API}/widgets`, async ({ request }) => {
      request.signal.addEventListener('abort', () => {
        aborted = true
      })
      await delay('infinite')
      return HttpResponse.json([])
    }))
    const t = createStore({ config: { websocket: { REQUEST_TIMEOUT: 100 } } })
    await until(() => t.sync().status === 'error', 'the timeout')
    expect(t.sync().lastError).toMatchObject({ code: 'LOAD_TIMEOUT', message: expect.stringContaining('within 100 ms') })
    await until(() => aborted, 'the fetch to be aborted')
  })

  it('entities are checked like live updates: bad ones refused, prototype keys removed, the rest applied', async () => {
    server.use(http.get(`${API}/widgets`, () => new HttpResponse(
      '[{"id":"w-1","value":1,"version":1,"__proto__":{"polluted":true}},{"id":"w-2","value":2},{"id":"w-3","value":3,"version":1}]',
      { headers: { 'Content-Type': 'application/json' } },
    )))
    const t = createStore()
    await until(() => t.status() === 'ready', 'the load')
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 1 })
    expect(Object.hasOwn(t.view('w-1') as object, '__proto__')).toBe(false)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(t.view('w-2')).toBeUndefined()
    expect(t.view('w-3')).toEqual({ id: 'w-3', value: 3 })
    expect(t.ofType('connection/messageRejected')).toEqual([
      { code: 'forbidden_key', reason: expect.stringContaining('load.0.__proto__'), stripped: ['load.0.__proto__'], at: expect.any(Number) },
      { code: 'validation_failed', reason: expect.stringMatching(/collections\.widgets\.load: entity \[1\] rejected: data\.version must be a finite number/), at: expect.any(Number) },
    ])
  })

  it('a result that is not an array: INVALID_LOAD_RESULT', async () => {
    server.use(http.get(`${API}/widgets`, () => HttpResponse.json({ widgets: [] })))
    const t = createStore()
    await until(() => t.sync().status === 'error', 'the failed load')
    expect(t.sync().lastError).toMatchObject({ code: 'INVALID_LOAD_RESULT' })
  })

  it('refresh() and refreshWidget(key) load again at once; the entity is stale until then', async () => {
    let requests = 0
    server.use(http.get(`${API}/widgets`, async () => {
      requests += 1
      await delay(20)
      return HttpResponse.json([{ id: 'w-1', value: requests, version: requests }])
    }))
    const t = createStore()
    await until(() => t.status() === 'ready', 'the first load')
    t.store.dispatch(t.realtime.actions.refreshWidget('w-1'))
    expect(t.realtime.selectors.selectEntityStatus(t.store.getState(), 'widgets', 'w-1')).toBe('stale')
    await until(() => requests === 2 && t.realtime.selectors.selectEntityStatus(t.store.getState(), 'widgets', 'w-1') === 'ready', 'the refreshed entity')
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 2 })
    t.store.dispatch(t.realtime.actions.refresh())
    expect(t.sync().collections.widgets).toMatchObject({ status: 'stale', staleReason: 'manual' })
    await until(() => t.status() === 'ready', 'the refresh')
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 3 })
  })

  it('the loader gets the collection, the reason and a signal', async () => {
    const calls: unknown[] = []
    const t = createStore({
      load: (context) => {
        calls.push({ ...context, signal: context.signal instanceof AbortSignal })
        return [{ id: 'w-1', value: 1, version: 1 }]
      },
    })
    await until(() => t.status() === 'ready', 'the load')
    expect(calls).toEqual([{ collection: 'widgets', reason: 'initial', signal: true }])
  })
})
