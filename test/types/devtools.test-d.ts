import { configureStore, type DevToolsEnhancerOptions } from '@reduxjs/toolkit'
import { describe, expectTypeOf, it } from 'vitest'
import { createRealtime, type RealtimeDevTools, type RealtimeDevToolsState } from 'rtk-realtime'

describe('realtime.devTools and dispose types', () => {
  it('devTools is RTK DevTools options, alone or spread into the user’s', () => {
    const realtime = createRealtime()
    expectTypeOf(realtime.devTools).toEqualTypeOf<RealtimeDevTools>()
    expectTypeOf(realtime.devTools).toMatchTypeOf<DevToolsEnhancerOptions>()
    configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, devTools: realtime.devTools })
    configureStore({
      reducer: { [realtime.reducerPath]: realtime.reducer },
      devTools: { ...realtime.devTools, name: 'dashboard', actionsDenylist: [...realtime.devTools.actionsDenylist, '^todos/tick$'] },
    })
    // A state sanitizer of the user's own, on top of the package's.
    const mine = <S>(state: S): S => state
    configureStore({
      reducer: { [realtime.reducerPath]: realtime.reducer },
      devTools: { ...realtime.devTools, stateSanitizer: (state, index) => mine(realtime.devTools.stateSanitizer(state, index)) },
    })
  })

  it('the flat view has entities and lanes by key', () => {
    expectTypeOf<RealtimeDevToolsState['collections'][string]['entities'][string]['version']>().toEqualTypeOf<number>()
    expectTypeOf<RealtimeDevToolsState['optimistic']['lanes'][string][number]['opId']>().toEqualTypeOf<string>()
  })

  it('dispose() is an action without payload', () => {
    const realtime = createRealtime()
    expectTypeOf(realtime.actions.dispose()).toMatchTypeOf<{ type: string }>()
    // @ts-expect-error dispose takes no argument
    realtime.actions.dispose(1)
  })
})
