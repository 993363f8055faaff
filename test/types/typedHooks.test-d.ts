import { createElement } from 'react'
import { describe, expectTypeOf, it } from 'vitest'
import { collection, createRealtime, type DataStatus, type Op, type Realtime } from 'rtk-realtime'
import {
  createRealtimeHooks,
  RealtimeProvider,
  useEntity as untypedUseEntity,
  type UseEntityResult,
  type UseOptimisticUpdateResult,
  type UseRealtimeUpdatesResult,
} from 'rtk-realtime/react'

interface Widget {
  id: string
  value: number
  title?: string
}
interface Alert {
  id: string
  text: string
}

const realtime = createRealtime({
  collections: {
    widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }),
    alerts: collection<Alert>({ updates: ['ALERT'] }),
    logs: { updates: ['LOG'] },
  },
  mutations: {
    updateWidget: {
      collection: 'widgets',
      message: 'WIDGET_UPDATE',
      apply: (widget: Widget | null, { value }: { id: string; value: number }) => void (widget && (widget.value = value)),
    },
    deleteWidget: { collection: 'widgets', message: 'WIDGET_DELETE', apply: (_: Widget | null, _args: { id: string }) => null },
    dismissAlert: { collection: 'alerts', message: 'ALERT_DISMISS', apply: () => null },
  },
})
const { useEntity, useOptimisticUpdate, useRealtimeUpdates, useRealtime, usePendingOps } = createRealtimeHooks(realtime)

describe('createRealtimeHooks(realtime): the hooks typed from the instance', () => {
  it('useEntity: data is the entity type of the collection', () => {
    const widget = useEntity('widgets', 'w-1')
    expectTypeOf(widget).toEqualTypeOf<UseEntityResult<Widget>>()
    expectTypeOf(widget.data).toEqualTypeOf<Widget | null | undefined>()
    expectTypeOf(widget.status).toEqualTypeOf<DataStatus>()
    expectTypeOf(useEntity('alerts', 'a-1').data).toEqualTypeOf<Alert | null | undefined>()
    expectTypeOf(useEntity('logs', 'l-1').data).toEqualTypeOf<unknown>()
    // @ts-expect-error 'widgetz' is not a declared collection
    useEntity('widgetz', 'w-1')
    // @ts-expect-error the key is a string
    useEntity('widgets', 1)
  })

  it('useOptimisticUpdate: the mutations of that collection, with their args', () => {
    const edit = useOptimisticUpdate('widgets', 'w-1', 'updateWidget')
    expectTypeOf(edit).toEqualTypeOf<UseOptimisticUpdateResult<Widget, { id: string; value: number }>>()
    expectTypeOf(edit.data).toEqualTypeOf<Widget | null | undefined>()
    expectTypeOf(edit.update).parameters.toEqualTypeOf<[args: { id: string; value: number }]>()
    expectTypeOf(edit.update({ id: 'w-1', value: 2 })).toEqualTypeOf<string>()
    // @ts-expect-error value must be a number
    edit.update({ id: 'w-1', value: '2' })
    expectTypeOf(useOptimisticUpdate('widgets', 'w-1', 'deleteWidget').apply).parameters.toEqualTypeOf<[args: { id: string }]>()
    // @ts-expect-error 'widgetz' is not a declared collection
    useOptimisticUpdate('widgetz', 'w-1', 'updateWidget')
    // @ts-expect-error no such mutation
    useOptimisticUpdate('widgets', 'w-1', 'renameWidget')
    // @ts-expect-error dismissAlert changes alerts, not widgets
    useOptimisticUpdate('widgets', 'w-1', 'dismissAlert')
  })

  it('useRealtimeUpdates: the collection by key, as its entity type', () => {
    const updates = useRealtimeUpdates('widgets')
    expectTypeOf(updates).toEqualTypeOf<UseRealtimeUpdatesResult<Widget>>()
    expectTypeOf(updates.data).toEqualTypeOf<Record<string, Widget>>()
    // @ts-expect-error 'widgetz' is not a declared collection
    useRealtimeUpdates('widgetz')
  })

  it('useRealtime: the typed instance; usePendingOps: declared collections only', () => {
    const instance = useRealtime()
    expectTypeOf(instance).toEqualTypeOf<typeof realtime>()
    expectTypeOf(instance.selectors.selectEntity({}, 'widgets', 'w-1')).toEqualTypeOf<Widget | null | undefined>()
    expectTypeOf(instance.actions.updateWidget).parameter(0).toEqualTypeOf<{ id: string; value: number }>()
    expectTypeOf(usePendingOps()).toEqualTypeOf<readonly Op[]>()
    expectTypeOf(usePendingOps('alerts')).toEqualTypeOf<readonly Op[]>()
    // @ts-expect-error 'widgetz' is not a declared collection
    usePendingOps('widgetz')
  })

  it('a typed instance goes to <RealtimeProvider> as it is; the untyped hooks stay as they were', () => {
    createElement(RealtimeProvider, { realtime }, null)
    expectTypeOf(realtime).toExtend<Realtime<string>>()
    expectTypeOf(untypedUseEntity('anything', 'k').data).toEqualTypeOf<unknown>()
    expectTypeOf(untypedUseEntity<Widget>('widgets', 'k').data).toEqualTypeOf<Widget | null | undefined>()
  })

  it('an untyped instance gives untyped hooks: any name, unknown entities', () => {
    const plain = createRealtimeHooks(createRealtime({ collections: { widgets: { updates: ['WIDGET_UPDATE'] } } }))
    expectTypeOf(plain.useEntity('widgets', 'w-1').data).toEqualTypeOf<unknown>()
    // @ts-expect-error only declared collections, even untyped
    plain.useEntity('widgetz', 'w-1')
    // @ts-expect-error createRealtimeHooks takes the instance
    createRealtimeHooks({})
  })
})
