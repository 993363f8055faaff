import { configureStore } from '@reduxjs/toolkit'
import { describe, expectTypeOf, it } from 'vitest'
import { createRealtime, type MutationAction, type Op, type Conflict } from 'rtk-realtime'

interface Widget {
  id: string
  value: number
  title: string
}

describe('mutation types', () => {
  const realtime = createRealtime({
    collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
    mutations: {
      updateWidget: {
        collection: 'widgets',
        message: 'WIDGET_UPDATE',
        apply: (widget: Widget, { value }: { id: string; value: number }) => {
          widget.value = value
        },
      },
      deleteWidget: { collection: 'widgets', message: 'WIDGET_DELETE', apply: (_: Widget, _args: { id: string }) => null },
    },
  })

  it('types each mutation action creator from its declaration', () => {
    expectTypeOf(realtime.actions.updateWidget).parameter(0).toEqualTypeOf<{ id: string; value: number }>()
    expectTypeOf(realtime.actions.updateWidget({ id: 'w-1', value: 42 })).toEqualTypeOf<MutationAction<{ id: string; value: number }>>()
    expectTypeOf(realtime.actions.deleteWidget).parameter(0).toEqualTypeOf<{ id: string }>()
    // @ts-expect-error value must be a number
    realtime.actions.updateWidget({ id: 'w-1', value: 'x' })
    // @ts-expect-error unknown mutation
    realtime.actions.renameWidget
  })

  it('keeps the connection and optimistic actions beside them', () => {
    expectTypeOf(realtime.actions.confirm).parameter(0).toEqualTypeOf<string>()
    expectTypeOf(realtime.actions.rollback).parameter(0).toEqualTypeOf<string>()
    expectTypeOf(realtime.actions.connect).toBeFunction()
  })

  it('mutation actions dispatch, and the state is typed', () => {
    const store = configureStore({
      reducer: { [realtime.reducerPath]: realtime.reducer },
      middleware: (gDM) => gDM().concat(realtime.middleware),
    })
    store.dispatch(realtime.actions.updateWidget({ id: 'w-1', value: 1 }))
    expectTypeOf(store.getState().realtime.optimistic.lanes).toEqualTypeOf<Record<string, Record<string, Op[]>>>()
    expectTypeOf(realtime.selectors.selectConflicts(store.getState())).toEqualTypeOf<readonly Conflict[]>()
  })
})
