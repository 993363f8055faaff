// @vitest-environment jsdom
// Contract, from the README's "Collections and optimistic updates", "Selectors" and "React": what a
// misspelling or an empty key does at run time (the types say nothing there).
import { cleanup, renderHook } from '@testing-library/react'
import { createElement, type ReactNode } from 'react'
import { Provider } from 'react-redux'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { collection, createRealtime } from 'rtk-realtime'
import {
  RealtimeProvider, createRealtimeHooks, useBackgroundSync, useEntity, useOptimisticUpdate, usePendingOps, useRealtime, useRealtimeUpdates,
} from 'rtk-realtime/react'
import { make8, type Widget } from './harness8'

beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }) })
const disposers: Array<() => void> = []
afterEach(() => {
  cleanup()
  for (const d of disposers.splice(0)) d()
  vi.useRealTimers()
})

/** React reports a render error on window as well as throwing it; keep that out of the test output. */
function quietly<T>(fn: () => T): T {
  const quiet = (event: ErrorEvent) => event.preventDefault()
  window.addEventListener('error', quiet)
  try { return fn() } finally { window.removeEventListener('error', quiet) }
}

function setup() {
  const t = make8()
  disposers.push(() => t.dispatch(t.realtime.actions.dispose()))
  const wrapper = ({ children }: { children: ReactNode }) =>
    createElement(Provider, { store: t.store } as any, createElement(RealtimeProvider, { realtime: t.realtime } as any, children))
  return { ...t, wrapper }
}

const NO_COLLECTION = 'rtk-realtime: no collection "widgetz"; declare it in createRealtime({ collections })'

describe('selectors at run time', () => {
  // "Every selector that takes a collection (these and selectCollectionStatus, selectEntityStatus)
  // takes only a declared one ... at run time an undeclared collection throws" the message below.
  const cases: Array<[string, (s: any, state: unknown) => unknown]> = [
    ['selectEntity', (s, state) => s.selectEntity(state, 'widgetz', 'w-1')],
    ['selectEntityRecord', (s, state) => s.selectEntityRecord(state, 'widgetz', 'w-1')],
    ['selectEntities', (s, state) => s.selectEntities(state, 'widgetz')],
    ['selectHasPendingOps', (s, state) => s.selectHasPendingOps(state, 'widgetz', 'w-1')],
    ['selectPendingOpsFor', (s, state) => s.selectPendingOpsFor(state, 'widgetz', 'w-1')],
    ['selectCollectionStatus', (s, state) => s.selectCollectionStatus(state, 'widgetz')],
    ['selectEntityStatus', (s, state) => s.selectEntityStatus(state, 'widgetz', 'w-1')],
  ]
  for (const [name, call] of cases) {
    it(`${name} with an undeclared collection throws the README message`, () => {
      const t = setup()
      expect(() => call(t.realtime.selectors, t.store.getState())).toThrow(NO_COLLECTION)
    })
  }
  it("names that are Object.prototype's are not declared collections either", () => {
    const t = setup()
    expect(() => (t.realtime.selectors as any).selectEntity(t.store.getState(), 'toString', 'k')).toThrow(/no collection "toString"/)
  })
})

describe('mutations at run time', () => {
  it('a plain-string misspelt collection throws when createRealtime runs, naming the mutation', () => {
    const name: string = 'widgetz'
    expect(() => createRealtime({
      collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) },
      mutations: { resetWidget: { collection: name as any, message: 'WIDGET_RESET', apply: () => null } },
    })).toThrow(/resetWidget/)
  })
  it("a mutation whose key is '' throws a TypeError naming the action", () => {
    const t = setup()
    expect(() => t.dispatch(t.realtime.actions.updateWidget({ id: '', value: 1 }))).toThrow(TypeError)
    expect(() => t.dispatch(t.realtime.actions.updateWidget({ id: '', value: 1 }))).toThrow(/updateWidget/)
  })
})

describe('hooks at run time', () => {
  it('every hook outside <RealtimeProvider> throws an error naming the hook', () => {
    const cases: Array<[string, () => unknown]> = [
      ['useEntity', () => useEntity('widgets', 'w-1')],
      ['useRealtime', () => useRealtime()],
      ['useOptimisticUpdate', () => useOptimisticUpdate('widgets', 'w-1', 'updateWidget')],
      ['useRealtimeUpdates', () => useRealtimeUpdates('widgets')],
      ['usePendingOps', () => usePendingOps()],
      ['useBackgroundSync', () => useBackgroundSync()],
    ]
    for (const [name, hook] of cases) quietly(() => expect(() => renderHook(hook)).toThrow(name))
  })

  it('useEntity: an undeclared collection throws naming useEntity; an empty key a TypeError', () => {
    const t = setup()
    quietly(() => {
      expect(() => renderHook(() => useEntity('widgetz', 'w-1'), { wrapper: t.wrapper })).toThrow(/useEntity/)
      let error: unknown
      try { renderHook(() => useEntity('widgets', ''), { wrapper: t.wrapper }) } catch (e) { error = e }
      expect(error).toBeInstanceOf(TypeError)
    })
  })

  it('usePendingOps with an undeclared collection throws naming the hook', () => {
    const t = setup()
    quietly(() => expect(() => renderHook(() => usePendingOps('widgetz'), { wrapper: t.wrapper })).toThrow(/usePendingOps/))
  })

  it('useRealtimeUpdates / useOptimisticUpdate with an undeclared collection throw (collection names must be declared)', () => {
    const t = setup()
    quietly(() => {
      expect(() => renderHook(() => useRealtimeUpdates('widgetz'), { wrapper: t.wrapper })).toThrow(/widgetz/)
      expect(() => renderHook(() => useOptimisticUpdate('widgetz', 'w-1', 'updateWidget'), { wrapper: t.wrapper })).toThrow(/widgetz/)
    })
  })

  it('useBackgroundSync().refreshWidget: an empty key or an undeclared collection is a TypeError naming it', () => {
    const t = setup()
    const { result } = renderHook(() => useBackgroundSync(), { wrapper: t.wrapper })
    for (const call of [() => result.current.refreshWidget(''), () => result.current.refreshWidget('w-1', 'widgetz')]) {
      let error: any
      try { call() } catch (e) { error = e }
      expect(error).toBeInstanceOf(TypeError)
      expect(String(error.message)).toContain('useBackgroundSync().refreshWidget')
    }
  })

  it('createRealtimeHooks adds types, nothing else: the typed hooks read the provider and give the view', async () => {
    const t = setup()
    const hooks = createRealtimeHooks(t.realtime as ReturnType<typeof createRealtime>)
    expect(hooks.useEntity).toBe(useEntity)
    await vi.advanceTimersByTimeAsync(0)
    const { result } = renderHook(() => hooks.useRealtime(), { wrapper: t.wrapper })
    expect(result.current).toBe(t.realtime)
  })
})
