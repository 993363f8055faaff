import { configureStore, createSlice, type Middleware, type UnknownAction } from '@reduxjs/toolkit'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRealtime, DEVTOOLS_MAX_UPDATES, type RealtimeDevToolsState } from '../../src'
import { deepFreeze } from '../../src/config/deepFreeze'
import { silentLogger } from '../../src/world/logger'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { widgetOptions } from '../support/widgets'

// The DevTools view of a real store: frames through FakeWebSocket, the codec and the batcher, then
// the reducer; the sanitizers are called as the DevTools extension calls them.

const todos = createSlice({ name: 'todos', initialState: { items: ['buy milk'] }, reducers: {} })

function makeStore() {
  const realtime = createRealtime({
    ...widgetOptions,
    WebSocket: FakeWebSocket,
    environmentListeners: false,
    logger: silentLogger,
    random: () => 0.5,
    // No SYNC: the frames below are the whole story.
    sync: false,
    config: { websocket: { HEARTBEAT_INTERVAL: 0 } },
  })
  const seen: UnknownAction[] = []
  const record: Middleware = () => (next) => (action) => {
    seen.push(action as UnknownAction)
    return next(action)
  }
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer, todos: todos.reducer },
    middleware: (gDM) => gDM().prepend(record).concat(realtime.middleware),
    // What a user writes: compiles against RTK's DevToolsEnhancerOptions, spread with options of their own.
    devTools: { ...realtime.devTools, name: 'dashboard' },
  })
  return { realtime, store, seen }
}

type Root = ReturnType<ReturnType<typeof makeStore>['store']['getState']>
const sanitized = (realtime: ReturnType<typeof makeStore>['realtime'], state: Root) =>
  realtime.devTools.stateSanitizer(state, 0) as unknown as { realtime: RealtimeDevToolsState; todos: Root['todos'] }

async function openWithWidgets() {
  const t = makeStore()
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  socket.deliver({ type: 'WIDGET_UPDATE', seq: 1, data: { id: 'w-1', value: 1, version: 3 } })
  socket.deliver({ type: 'WIDGET_UPDATE', seq: 2, data: { id: 'w-2', value: 2, version: 1 } })
  socket.deliver({ type: 'WIDGET_UPDATE', seq: 3, data: { id: '__proto__', value: 9, version: 1 } })
  await endOfTurn()
  await vi.advanceTimersByTimeAsync(200) // the batch window
  return { ...t, socket }
}

const lastOf = (actions: UnknownAction[], match: (a: UnknownAction) => boolean) => [...actions].reverse().find(match)

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('realtime.devTools.stateSanitizer', () => {
  it('shows entities, lanes and the op index by key, and the rest of the state as it is', async () => {
    const { realtime, store } = await openWithWidgets()
    store.dispatch(realtime.actions.updateWidget({ id: 'w-1', value: 42 }))
    const [op] = realtime.selectors.selectPendingOps(store.getState())
    const state = store.getState()

    const view = sanitized(realtime, state)
    expect(Object.keys(view.realtime.collections.widgets!.entities).sort()).toEqual(['__proto__', 'w-1', 'w-2'])
    expect(view.realtime.collections.widgets!.entities['w-1']).toEqual({
      confirmed: { id: 'w-1', value: 1 },
      version: 3,
      view: { id: 'w-1', value: 42 },
    })
    // A key like any other: an own property, the object's prototype untouched.
    expect(Object.getOwnPropertyDescriptor(view.realtime.collections.widgets!.entities, '__proto__')?.value).toMatchObject({ version: 1 })
    expect(Object.getPrototypeOf(view.realtime.collections.widgets!.entities)).toBe(Object.prototype)
    expect(view.realtime.optimistic.lanes).toEqual({ 'widgets/w-1': [expect.objectContaining({ opId: op!.opId, status: 'sent', baseVersion: 3, args: { id: 'w-1', value: 42 } })] })
    expect(view.realtime.optimistic.index).toEqual({ [op!.opId]: { collection: 'widgets', key: 'w-1' } })
    expect(view.realtime.optimistic.count).toBe(1)

    // Everything else is the store's own objects, not copies.
    expect(view.todos).toBe(state.todos)
    expect(view.realtime.connection).toBe(state.realtime.connection)
    expect(view.realtime.sync).toBe(state.realtime.sync)
    expect(view.realtime.optimistic.conflicts).toBe(state.realtime.optimistic.conflicts)
    // And it is all still plain JSON, as DevTools serializes it.
    expect(JSON.parse(JSON.stringify(view)).realtime.optimistic.lanes['widgets/w-1'][0].opId).toBe(op!.opId)
  })

  it('never writes the state it is given (deep-frozen), and leaves it as it was', async () => {
    const { realtime, store } = await openWithWidgets()
    store.dispatch(realtime.actions.updateWidget({ id: 'w-2', value: 7 }))
    const state = store.getState()
    const before = JSON.stringify(state)
    deepFreeze(state)
    const view = sanitized(realtime, state)
    expect(view.realtime.collections.widgets!.entities['w-2']!.view).toEqual({ id: 'w-2', value: 7 })
    expect(JSON.stringify(state)).toBe(before)
    // The store goes on from the frozen state: the package never writes a state in place either.
    FakeWebSocket.last.deliver({ type: 'WIDGET_UPDATE', seq: 4, data: { id: 'w-3', value: 3, version: 1 } })
    await vi.advanceTimersByTimeAsync(200)
    expect(sanitized(realtime, store.getState()).realtime.collections.widgets!.entities['w-3']).toBeDefined()
  })

  it('is memoized on the slice, and walks again only the maps that changed', async () => {
    const { realtime, store, socket } = await openWithWidgets()
    const first = sanitized(realtime, store.getState())
    // The same slice (a user action the package ignores): the same view, nothing walked.
    store.dispatch({ type: 'todos/unrelated' })
    expect(sanitized(realtime, store.getState()).realtime).toBe(first.realtime)

    // A frame of an unregistered type changes the connection only: the entities are not walked again.
    socket.deliver({ type: 'NOTICE', data: { text: 'hi' } })
    const second = sanitized(realtime, store.getState())
    expect(second.realtime).not.toBe(first.realtime)
    expect(second.realtime.connection.received).toBe(first.realtime.connection.received + 1)
    expect(second.realtime.collections.widgets!.entities).toBe(first.realtime.collections.widgets!.entities)
    expect(second.realtime.optimistic.lanes).toBe(first.realtime.optimistic.lanes)

    // An op changes the lanes and the view of its entity: those are new, the other maps are not walked.
    store.dispatch(realtime.actions.updateWidget({ id: 'w-2', value: 5 }))
    const third = sanitized(realtime, store.getState())
    expect(third.realtime.optimistic.lanes).not.toBe(second.realtime.optimistic.lanes)
    expect(third.realtime.collections.widgets!.entities['w-2']!.view).toEqual({ id: 'w-2', value: 5 })
    expect(sanitized(realtime, store.getState()).realtime).toBe(third.realtime)
  })

  it('passes through states without the realtime slice', () => {
    const { realtime } = makeStore()
    const other = { todos: { items: [] } }
    expect(realtime.devTools.stateSanitizer(other, 0)).toBe(other)
    expect(realtime.devTools.stateSanitizer(undefined, 0)).toBe(undefined)
  })
})

describe('realtime.devTools actions', () => {
  it('shortens a long batch of entity updates to its first updates and a count, and leaves short ones alone', async () => {
    const { realtime, socket, seen } = await openWithWidgets()
    const short = lastOf(seen, (a) => a.type === realtime.actions.entitiesUpdated.type)!
    expect(realtime.devTools.actionSanitizer(short, 0)).toBe(short)

    for (let i = 0; i < 25; i++) socket.deliver({ type: 'WIDGET_UPDATE', seq: 4 + i, data: { id: `k-${i}`, value: i, version: 1 } })
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(200)
    const long = lastOf(seen, (a) => a.type === realtime.actions.entitiesUpdated.type) as UnknownAction & { payload: { updates: unknown[]; received: number } }
    expect(long.payload.updates).toHaveLength(25)
    const frozen = deepFreeze(long)

    const shown = realtime.devTools.actionSanitizer(frozen, 0) as typeof long & { payload: { updatesOmitted: number } }
    expect(shown.payload.updates).toHaveLength(DEVTOOLS_MAX_UPDATES)
    expect(shown.payload.updates[0]).toEqual(long.payload.updates[0])
    expect(shown.payload.updatesOmitted).toBe(25 - DEVTOOLS_MAX_UPDATES)
    expect(shown.payload.received).toBe(25)
    expect(long.payload.updates).toHaveLength(25)

    const other = { type: 'todos/added', payload: { updates: Array.from({ length: 30 }, (_, i) => i) } }
    expect(realtime.devTools.actionSanitizer(other, 0)).toBe(other)
  })

  it('denies the heartbeat PONG action by its exact type', async () => {
    const { realtime } = makeStore()
    const patterns = realtime.devTools.actionsDenylist.map((p) => new RegExp(p))
    const denied = (type: string) => patterns.some((p) => p.test(type))
    expect(denied(realtime.actions.pongReceived.type)).toBe(true)
    expect(denied(realtime.actions.entitiesUpdated.type)).toBe(false)
    expect(denied(realtime.actions.opened.type)).toBe(false)
    expect(denied(`x${realtime.actions.pongReceived.type}`)).toBe(false)

    // A reducerPath with a regex character (`$` is allowed in one) is matched literally.
    const dollar = createRealtime({ reducerPath: 'rt$live', WebSocket: FakeWebSocket, environmentListeners: false, logger: silentLogger })
    const dollarPatterns = dollar.devTools.actionsDenylist.map((p) => new RegExp(p))
    expect(dollarPatterns.some((p) => p.test('rt$live/connection/pongReceived'))).toBe(true)
    expect(patterns.some((p) => p.test('rt$live/connection/pongReceived'))).toBe(false)
  })
})
