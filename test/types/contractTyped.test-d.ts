// Contract, from the README's "Collections and optimistic updates", "Selectors", "Typed hooks:
// createRealtimeHooks" and "Redux DevTools": what compiles and what does not.
import { configureStore } from '@reduxjs/toolkit'
import { describe, expectTypeOf, it } from 'vitest'
import { collection, createRealtime, type CollectionDefinition, type EntityRecord } from 'rtk-realtime'
import { createRealtimeHooks, useEntity as untypedUseEntity, useRealtimeUpdates as untypedUseRealtimeUpdates } from 'rtk-realtime/react'

type Widget = { id: string; value: number; title?: string }
type Gadget = { id: string; gears: number }
type Alert = { id: string; text: string }

const realtime = createRealtime({
  collections: {
    widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }),
    alerts: collection<Alert>({ updates: ['ALERT_UPDATE'] }),
  },
  mutations: {
    updateWidget: {
      collection: 'widgets',
      message: 'WIDGET_UPDATE',
      apply: (widget: Widget | null, { value }: { id: string; value: number }) => { if (widget) widget.value = value },
    },
    createWidget: { collection: 'widgets', message: 'WIDGET_CREATE', apply: (_: Widget | null, w: Widget) => ({ ...w }) },
    deleteWidget: { collection: 'widgets', message: 'WIDGET_DELETE', apply: () => null },
    dismissAlert: { collection: 'alerts', message: 'ALERT_DISMISS', apply: (_: Alert | null, _args: { id: string }) => null },
  },
})
const store = configureStore({
  reducer: { [realtime.reducerPath]: realtime.reducer },
  middleware: (g) => g().concat(realtime.middleware),
  devTools: realtime.devTools,
})
const state = store.getState()

describe('typed collections: selectors', () => {
  it('reducerPath is a literal type', () => {
    expectTypeOf(realtime.reducerPath).toEqualTypeOf<'realtime'>()
    const live = createRealtime({ reducerPath: 'live' })
    expectTypeOf(live.reducerPath).toEqualTypeOf<'live'>()
  })

  it('selectEntity / selectEntityRecord / selectEntities give the declared entity type', () => {
    expectTypeOf(realtime.selectors.selectEntity(state, 'widgets', 'w-1')).toEqualTypeOf<Widget | null | undefined>()
    expectTypeOf(realtime.selectors.selectEntity(state, 'alerts', 'a-1')).toEqualTypeOf<Alert | null | undefined>()
    expectTypeOf(realtime.selectors.selectEntityRecord(state, 'widgets', 'w-1')).toEqualTypeOf<EntityRecord<Widget> | undefined>()
    expectTypeOf(realtime.selectors.selectEntities(state, 'widgets')).toEqualTypeOf<Record<string, Widget>>()
  })

  it('a misspelt collection fails to compile in every selector that takes one', () => {
    // @ts-expect-error 'widgetz' is not declared
    realtime.selectors.selectEntity(state, 'widgetz', 'w-1')
    // @ts-expect-error 'widgetz' is not declared
    realtime.selectors.selectEntityRecord(state, 'widgetz', 'w-1')
    // @ts-expect-error 'widgetz' is not declared
    realtime.selectors.selectEntities(state, 'widgetz')
    // @ts-expect-error 'widgetz' is not declared
    realtime.selectors.selectHasPendingOps(state, 'widgetz', 'w-1')
    // @ts-expect-error 'widgetz' is not declared
    realtime.selectors.selectPendingOpsFor(state, 'widgetz', 'w-1')
    // @ts-expect-error 'widgetz' is not declared
    realtime.selectors.selectCollectionStatus(state, 'widgetz')
    // @ts-expect-error 'widgetz' is not declared
    realtime.selectors.selectEntityStatus(state, 'widgetz', 'w-1')
  })

  it('the plain object form gives unknown; a Record<string, CollectionDefinition> accepts any name', () => {
    const plain = createRealtime({ collections: { widgets: { updates: ['WIDGET_UPDATE'] } } })
    const plainStore = configureStore({ reducer: { [plain.reducerPath]: plain.reducer } })
    expectTypeOf(plain.selectors.selectEntity(plainStore.getState(), 'widgets', 'w-1')).toBeUnknown()
    const defs: Record<string, CollectionDefinition> = { widgets: { updates: ['WIDGET_UPDATE'] } }
    const loose = createRealtime({ collections: defs })
    const looseStore = configureStore({ reducer: { [loose.reducerPath]: loose.reducer } })
    loose.selectors.selectEntity(looseStore.getState(), 'anything', 'k')
  })
})

describe('typed collections: mutations', () => {
  it('mutation action creators take their args', () => {
    realtime.actions.updateWidget({ id: 'w-1', value: 42 })
    // @ts-expect-error value missing
    realtime.actions.updateWidget({ id: 'w-1' })
    // @ts-expect-error value is a number
    realtime.actions.updateWidget({ id: 'w-1', value: '42' })
  })

  it("an apply whose draft is another collection's type fails to compile", () => {
    createRealtime({
      collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) },
      mutations: {
        // @ts-expect-error Types of parameters 'gadget' and 'draft' are incompatible
        updateWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (gadget: Gadget | null, args: { id: string }) => { void gadget; void args } },
      },
    })
  })

  it('a misspelt literal collection in a mutation fails to compile', () => {
    createRealtime({
      collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) },
      mutations: {
        // @ts-expect-error '"widgetz"' is not assignable to '"widgetz" & UndeclaredCollection<"widgets">'
        resetWidget: { collection: 'widgetz', message: 'WIDGET_RESET', apply: () => null },
      },
    })
  })
})

describe('createRealtimeHooks', () => {
  const { useEntity, useOptimisticUpdate, useRealtimeUpdates, useRealtime, usePendingOps } = createRealtimeHooks(realtime)

  it('types the hooks from the instance', () => {
    expectTypeOf(useEntity('widgets', 'w-1').data).toEqualTypeOf<Widget | null | undefined>()
    expectTypeOf(useRealtimeUpdates('widgets').data).toEqualTypeOf<Record<string, Widget>>()
    expectTypeOf(useRealtime()).toEqualTypeOf<typeof realtime>()
    const { update, apply } = useOptimisticUpdate('widgets', 'w-1', 'updateWidget')
    update({ id: 'w-1', value: 1 })
    apply({ id: 'w-1', value: 1 })
    expectTypeOf(update({ id: 'w-1', value: 1 })).toEqualTypeOf<string>()
    // @ts-expect-error update takes the mutation's args
    update({ id: 'w-1', value: 'x' })
    usePendingOps()
    usePendingOps('widgets')
  })

  it('misspellings fail to compile', () => {
    // @ts-expect-error Argument of type '"widgetz"' is not assignable to parameter of type '"widgets"'
    useEntity('widgetz', 'w-1')
    // @ts-expect-error a mutation of the alerts collection
    useOptimisticUpdate('widgets', 'w-1', 'dismissAlert')
    // @ts-expect-error 'widgetz' is not declared
    useRealtimeUpdates('widgetz')
    // @ts-expect-error 'widgetz' is not declared
    usePendingOps('widgetz')
  })

  it('the hooks imported straight from rtk-realtime/react stay untyped: any name, unknown unless you pass the type', () => {
    expectTypeOf(untypedUseEntity('anything', 'k').data).toBeUnknown()
    expectTypeOf(untypedUseEntity<Widget>('widgets', 'k').data).toEqualTypeOf<Widget | null | undefined>()
    untypedUseRealtimeUpdates('whatever')
  })
})

describe('devTools and dispose', () => {
  it('devTools spreads and overrides as the README shows', () => {
    configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, devTools: { ...realtime.devTools, name: 'Dashboard', maxAge: 100 } })
    configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, devTools: { ...realtime.devTools, actionsDenylist: [] } })
    configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer }, devTools: { ...realtime.devTools, actionSanitizer: undefined } })
    configureStore({
      reducer: { [realtime.reducerPath]: realtime.reducer },
      devTools: {
        ...realtime.devTools,
        actionsDenylist: [...realtime.devTools.actionsDenylist, '^metrics/tick$'],
        stateSanitizer: (s, index) => realtime.devTools.stateSanitizer(s, index),
      },
    })
  })
  it('dispose() is an action creator', () => {
    store.dispatch(realtime.actions.dispose())
  })
})
