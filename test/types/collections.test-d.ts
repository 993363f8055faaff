import { configureStore } from '@reduxjs/toolkit'
import { describe, expectTypeOf, it } from 'vitest'
import { collection, createRealtime, type CollectionDefinition, type DataStatus, type EntityRecord, type Op } from 'rtk-realtime'

interface Widget {
  id: string
  value: number
}
interface Alert {
  id: string
  text: string
}

const realtime = createRealtime({
  collections: {
    widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'], validate: (value, key) => (value as Widget | null)?.id === key }),
    alerts: collection<Alert>({ load: async ({ signal }) => (await fetch('/alerts', { signal })).json() }),
    logs: { updates: ['LOG'] },
  },
})
const store = configureStore({ reducer: { [realtime.reducerPath]: realtime.reducer } })
const state = store.getState()

describe('typed collections', () => {
  it('collection<T>() declares the entity type; the plain object form stays untyped', () => {
    expectTypeOf(collection<Widget>({ updates: ['X'] })).toEqualTypeOf<CollectionDefinition<Widget>>()
    expectTypeOf(collection({ updates: ['X'] })).toEqualTypeOf<CollectionDefinition<unknown>>()
    // @ts-expect-error an unknown field of a definition
    collection<Widget>({ update: ['X'] })
  })

  it('selectEntity, selectEntityRecord and selectEntities give the entity type of the collection', () => {
    expectTypeOf(realtime.selectors.selectEntity(state, 'widgets', 'w-1')).toEqualTypeOf<Widget | null | undefined>()
    expectTypeOf(realtime.selectors.selectEntity(state, 'alerts', 'a-1')).toEqualTypeOf<Alert | null | undefined>()
    expectTypeOf(realtime.selectors.selectEntity(state, 'logs', 'l-1')).toEqualTypeOf<unknown>()
    expectTypeOf(realtime.selectors.selectEntityRecord(state, 'widgets', 'w-1')).toEqualTypeOf<EntityRecord<Widget> | undefined>()
    expectTypeOf(realtime.selectors.selectEntities(state, 'widgets')).toEqualTypeOf<Record<string, Widget>>()
  })

  it('a misspelt collection does not compile, in every selector that takes one', () => {
    // @ts-expect-error 'widgetz' is not a declared collection
    realtime.selectors.selectEntity(state, 'widgetz', 'w-1')
    // @ts-expect-error 'widgetz' is not a declared collection
    realtime.selectors.selectEntityRecord(state, 'widgetz', 'w-1')
    // @ts-expect-error 'widgetz' is not a declared collection
    realtime.selectors.selectEntities(state, 'widgetz')
    // @ts-expect-error 'widgetz' is not a declared collection
    realtime.selectors.selectHasPendingOps(state, 'widgetz', 'w-1')
    // @ts-expect-error 'widgetz' is not a declared collection
    realtime.selectors.selectPendingOpsFor(state, 'widgetz', 'w-1')
    // @ts-expect-error 'widgetz' is not a declared collection
    realtime.selectors.selectCollectionStatus(state, 'widgetz')
    // @ts-expect-error 'widgetz' is not a declared collection
    realtime.selectors.selectEntityStatus(state, 'widgetz', 'w-1')
    expectTypeOf(realtime.selectors.selectPendingOpsFor(state, 'widgets', 'w-1')).toEqualTypeOf<readonly Op[]>()
    expectTypeOf(realtime.selectors.selectEntityStatus(state, 'alerts', 'a-1')).toEqualTypeOf<DataStatus>()
  })

  it('without collections, or with an untyped object, any name compiles and entities are unknown', () => {
    const untyped = createRealtime()
    expectTypeOf(untyped.selectors.selectEntity(state, 'anything', 'k')).toEqualTypeOf<unknown>()
    const definitions: Record<string, CollectionDefinition> = { widgets: { updates: ['WIDGET_UPDATE'] } }
    const dynamic = createRealtime({ collections: definitions })
    expectTypeOf(dynamic.selectors.selectEntities(state, 'widgets')).toEqualTypeOf<Record<string, unknown>>()
  })
})
