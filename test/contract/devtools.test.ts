// Contract, from the README's "Redux DevTools": realtime.devTools (stateSanitizer, actionSanitizer,
// actionsDenylist), checked on states and actions made by the real path.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureStore } from '@reduxjs/toolkit'
import { collection, createRealtime, DEVTOOLS_MAX_UPDATES } from 'rtk-realtime'
import { open8, upd, type Widget } from './harness8'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

const denied = (patterns: readonly string[], type: string) => patterns.some((p) => new RegExp(p).test(type))

async function withPendingOp(options: any = {}) {
  const t = await open8(options)
  t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 40, version: 7 } })
  t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-2', title: 'Memory', value: 63, version: 2 } })
  await vi.advanceTimersByTimeAsync(0)
  const action = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 42 }))
  await vi.advanceTimersByTimeAsync(0)
  return { ...t, opId: action.payload.opId as string }
}

describe('realtime.devTools', () => {
  it('is a plain object of DevToolsEnhancerOptions that configureStore accepts', () => {
    const realtime = createRealtime({ environmentListeners: false, config: { websocket: { AUTO_CONNECT: false } } })
    expect(Object.getPrototypeOf(realtime.devTools)).toBe(Object.prototype)
    expect(typeof realtime.devTools.stateSanitizer).toBe('function')
    expect(typeof realtime.devTools.actionSanitizer).toBe('function')
    expect(Array.isArray(realtime.devTools.actionsDenylist)).toBe(true)
    const store = configureStore({
      reducer: { [realtime.reducerPath]: realtime.reducer },
      middleware: (g) => g().concat(realtime.middleware),
      devTools: { ...realtime.devTools, name: 'Dashboard', maxAge: 100 },
    })
    expect(store.getState().realtime.connection.status).toBe('idle')
    store.dispatch(realtime.actions.dispose())
  })

  it('DEVTOOLS_MAX_UPDATES is 10', () => {
    expect(DEVTOOLS_MAX_UPDATES).toBe(10)
  })
})

describe('stateSanitizer', () => {
  it('shows the README excerpt: entities by key, lanes by "<collection>/<key>", index by opId, the rest as it is', async () => {
    const t = await withPendingOp()
    const state = t.store.getState()
    const shown: any = t.realtime.devTools.stateSanitizer(state, 0)
    const rt = shown.realtime
    expect(rt.collections.widgets.entities).toEqual({
      'w-1': { confirmed: { id: 'w-1', title: 'CPU', value: 40 }, version: 7, view: { id: 'w-1', title: 'CPU', value: 42 } },
      'w-2': { confirmed: { id: 'w-2', title: 'Memory', value: 63 }, version: 2, view: { id: 'w-2', title: 'Memory', value: 63 } },
    })
    expect(Object.keys(rt.optimistic.lanes)).toEqual(['widgets/w-1'])
    expect(rt.optimistic.lanes['widgets/w-1']).toEqual([
      expect.objectContaining({
        opId: t.opId, mutation: 'updateWidget', collection: 'widgets', key: 'w-1', args: { id: 'w-1', value: 42 },
        baseVersion: 7, status: 'sent', attempts: 1, createdAt: expect.any(Number), sentAt: expect.any(Number),
      }),
    ])
    expect(rt.optimistic.index).toEqual({ [t.opId]: { collection: 'widgets', key: 'w-1' } })
    expect(rt.optimistic).toMatchObject({ count: 1, conflicts: [], rollbacks: [], recentlyConfirmed: [], lastError: null, paused: false })
    expect(Object.keys(rt.optimistic).sort()).toEqual(['conflicts', 'count', 'index', 'lanes', 'lastError', 'paused', 'recentlyConfirmed', 'rollbacks'])
    // every other part of the slice is the store's own object
    expect(rt.connection).toBe(state.realtime.connection)
    expect(rt.outbox).toBe(state.realtime.outbox)
    expect(rt.sync).toBe(state.realtime.sync)
    expect(rt.optimistic.conflicts).toBe(state.realtime.optimistic.conflicts)
    t.dispatch(t.realtime.actions.dispose())
  })

  it('never writes the state and leaves the rest of the root state as it is', async () => {
    const t = await withPendingOp()
    const state: any = { ...t.store.getState(), widgetsUi: { selected: 'w-1' } }
    const before = structuredClone(state)
    const shown: any = t.realtime.devTools.stateSanitizer(state, 3)
    expect(state).toEqual(before)
    expect(shown.widgetsUi).toBe(state.widgetsUi)
    expect(shown).not.toBe(state)
    t.dispatch(t.realtime.actions.dispose())
  })

  it('is memoized: the same state gives the same result; an unchanged collection keeps its flat copy', async () => {
    const t = await open8({
      collections: {
        widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }),
        alerts: collection<{ id: string; text: string }>({ updates: ['ALERT_UPDATE'] }),
      },
    })
    t.socket.deliver(upd('w-1', 1, 1))
    t.socket.deliver({ type: 'ALERT_UPDATE', data: { id: 'a-1', version: 1, text: 'hot' } })
    await vi.advanceTimersByTimeAsync(0)
    const s1 = t.store.getState()
    const a: any = t.realtime.devTools.stateSanitizer(s1, 1)
    const b: any = t.realtime.devTools.stateSanitizer(s1, 2)
    expect(b.realtime).toBe(a.realtime)
    t.socket.deliver(upd('w-1', 2, 2))
    await vi.advanceTimersByTimeAsync(0)
    const c: any = t.realtime.devTools.stateSanitizer(t.store.getState(), 3)
    expect(c.realtime.collections.widgets.entities['w-1'].version).toBe(2)
    expect(c.realtime.collections.alerts.entities).toBe(a.realtime.collections.alerts.entities)
    expect(c.realtime.optimistic.lanes).toBe(a.realtime.optimistic.lanes)
    t.dispatch(t.realtime.actions.dispose())
  })

  it('a state without the slice is returned as it is (a store where the realtime reducer is not mounted yet)', () => {
    const realtime = createRealtime({ environmentListeners: false })
    const state = { other: { n: 1 } }
    expect(() => realtime.devTools.stateSanitizer(state as any, 0)).not.toThrow()
    expect(realtime.devTools.stateSanitizer(state as any, 0)).toBe(state)
  })

  it('rude inputs do not throw: undefined, null, a primitive, a slice of the wrong shape', () => {
    const realtime = createRealtime({ environmentListeners: false })
    for (const s of [undefined, null, 42, { realtime: null }, { realtime: { collections: null, optimistic: 3 } }]) {
      expect(() => realtime.devTools.stateSanitizer(s as any, 0)).not.toThrow()
    }
  })

  it('follows reducerPath: a store at "live" is flattened at "live"', async () => {
    const t = await withPendingOp({ reducerPath: 'live' })
    const shown: any = t.realtime.devTools.stateSanitizer(t.store.getState(), 0)
    expect(Object.keys(shown.live.collections.widgets.entities).sort()).toEqual(['w-1', 'w-2'])
    expect(Object.keys(shown.live.optimistic.lanes)).toEqual(['widgets/w-1'])
    t.dispatch(t.realtime.actions.dispose())
  })

  it('entity keys that are data (__proto__, constructor, toString) are shown as keys, without polluting anything', async () => {
    const t = await open8()
    for (const id of ['__proto__', 'constructor', 'toString']) t.socket.deliver(upd(id, 1, 1))
    await vi.advanceTimersByTimeAsync(0)
    const shown: any = t.realtime.devTools.stateSanitizer(t.store.getState(), 0)
    const entities = shown.realtime.collections.widgets.entities
    expect(Object.keys(entities).sort()).toEqual(['__proto__', 'constructor', 'toString'])
    expect(Object.getOwnPropertyDescriptor(entities, '__proto__')?.value).toMatchObject({ version: 1 })
    expect(({} as any).version).toBeUndefined()
    t.dispatch(t.realtime.actions.dispose())
  })
})

describe('actionsDenylist', () => {
  it('hides <reducerPath>/connection/pongReceived and nothing else of the package', () => {
    const realtime = createRealtime({ environmentListeners: false })
    const list = realtime.devTools.actionsDenylist
    expect(denied(list, 'realtime/connection/pongReceived')).toBe(true)
    for (const type of ['realtime/connection/opened', 'realtime/collections/entitiesUpdated', 'realtime/connection/messageReceived', 'realtime/sync/syncSucceeded', 'other/connection/pongReceived', 'realtime/connection/pongReceivedX']) {
      expect(denied(list, type), type).toBe(false)
    }
    const live = createRealtime({ environmentListeners: false, reducerPath: 'live' })
    expect(denied(live.devTools.actionsDenylist, 'live/connection/pongReceived')).toBe(true)
    expect(denied(live.devTools.actionsDenylist, 'realtime/connection/pongReceived')).toBe(false)
  })

  it('pongReceived is still dispatched and reduced (latencyMs shows its effect)', async () => {
    const t = await open8({ config: { websocket: { HEARTBEAT_INTERVAL: 30_000, WAKE_CHECK_INTERVAL: 0 } } })
    const ping = t.socket.allSentMessages.find((m) => m.type === 'PING')!
    await vi.advanceTimersByTimeAsync(5)
    t.socket.deliver({ type: 'PONG', data: ping.data })
    await vi.advanceTimersByTimeAsync(0)
    expect(t.ofType('realtime/connection/pongReceived')).toHaveLength(1)
    expect(t.store.getState().realtime.connection.latencyMs).toBe(5)
    t.dispatch(t.realtime.actions.dispose())
  })
})

describe('actionSanitizer', () => {
  const realtime = createRealtime({ environmentListeners: false })
  const updates = (n: number) => Array.from({ length: n }, (_, i) => ({ collection: 'widgets', key: `w-${i}`, version: 1, value: { id: `w-${i}` } }))

  it('shortens entitiesUpdated to its first 10 updates plus payload.updatesOmitted; the action itself is untouched', () => {
    const action = { type: 'realtime/collections/entitiesUpdated', payload: { updates: updates(25), received: 25, at: 1 } }
    const before = structuredClone(action)
    const shown: any = realtime.devTools.actionSanitizer(action as any, 0)
    expect(shown.payload.updates).toEqual(action.payload.updates.slice(0, 10))
    expect(shown.payload.updatesOmitted).toBe(15)
    expect(shown.payload.received).toBe(25)
    expect(shown.payload.at).toBe(1)
    expect(shown.type).toBe(action.type)
    expect(action).toEqual(before)
  })

  it('shortens syncSucceeded the same way', () => {
    const action = { type: 'realtime/sync/syncSucceeded', payload: { collections: ['widgets'], updates: updates(12), snapshot: true, removals: [], reason: 'open', at: 1 } }
    const shown: any = realtime.devTools.actionSanitizer(action as any, 0)
    expect(shown.payload.updates).toHaveLength(10)
    expect(shown.payload.updatesOmitted).toBe(2)
    expect(shown.payload.snapshot).toBe(true)
  })

  it('a batch of 10 or fewer, and every other action, is shown as it is', () => {
    const ten = { type: 'realtime/collections/entitiesUpdated', payload: { updates: updates(10), received: 10, at: 1 } }
    const shownTen: any = realtime.devTools.actionSanitizer(ten as any, 0)
    expect(shownTen.payload.updates).toHaveLength(10)
    expect(shownTen.payload.updatesOmitted).toBeUndefined()
    const other = { type: 'realtime/connection/opened', payload: { at: 1, flushed: 0 } }
    expect(realtime.devTools.actionSanitizer(other as any, 0)).toBe(other)
    const foreign = { type: 'metrics/tick', payload: { updates: updates(30) } }
    expect(realtime.devTools.actionSanitizer(foreign as any, 0)).toBe(foreign)
  })

  it('rude actions do not throw: a batch type without a payload or with updates not an array', () => {
    for (const a of [{ type: 'realtime/collections/entitiesUpdated' }, { type: 'realtime/collections/entitiesUpdated', payload: { updates: 'many' } }, { type: 'realtime/sync/syncSucceeded', payload: null }]) {
      expect(() => realtime.devTools.actionSanitizer(a as any, 0)).not.toThrow()
    }
  })

  it('a real batch of 60 updates from the socket is shown as 10 + 50 omitted', async () => {
    const t = await open8()
    for (let i = 0; i < 60; i++) t.socket.deliver(upd(`w-${i}`, 1, i))
    await vi.advanceTimersByTimeAsync(0)
    const batch = t.batches()[0]
    const shown: any = t.realtime.devTools.actionSanitizer(batch, 0)
    expect(shown.payload.updates).toHaveLength(10)
    expect(shown.payload.updatesOmitted).toBe(50)
    expect(batch.payload.updates).toHaveLength(60)
    t.dispatch(t.realtime.actions.dispose())
  })

  it('the README overrides spread as written', () => {
    const keep = { ...realtime.devTools, actionSanitizer: undefined }
    expect(keep.actionSanitizer).toBeUndefined()
    const more = { ...realtime.devTools, actionsDenylist: [...realtime.devTools.actionsDenylist, '^metrics/tick$'] }
    expect(denied(more.actionsDenylist, 'metrics/tick')).toBe(true)
    expect(denied(more.actionsDenylist, 'realtime/connection/pongReceived')).toBe(true)
  })
})
