import type { CreateRealtimeOptions } from '../../src'
import { createTestStore } from './createTestStore'

/** The widget entity of the tests and the demo. */
export interface Widget {
  id: string
  title?: string
  value: number
  unit?: string
}

/** Collections and mutations of the widgets example. */
export const widgetOptions = {
  collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
  mutations: {
    updateWidget: {
      collection: 'widgets',
      message: 'WIDGET_UPDATE',
      apply: (widget: Widget | null, args: { id: string; value: number }) => {
        if (widget) widget.value = args.value
      },
    },
    renameWidget: {
      collection: 'widgets',
      message: 'WIDGET_UPDATE',
      apply: (widget: Widget | null, args: { id: string; title: string }) => {
        if (widget) widget.title = args.title
      },
    },
    createWidget: {
      collection: 'widgets',
      message: 'WIDGET_CREATE',
      apply: (_: Widget | null, args: Widget) => ({ ...args }),
    },
    deleteWidget: {
      collection: 'widgets',
      message: 'WIDGET_DELETE',
      apply: () => null,
    },
  },
} satisfies CreateRealtimeOptions<'realtime', any>

/** A test store with the widget collections and mutations. */
export function createWidgetStore(options: Parameters<typeof createTestStore>[0] = {}) {
  const t = createTestStore({ ...widgetOptions, ...options } as Parameters<typeof createTestStore>[0])
  const realtime = t.realtime as unknown as ReturnType<typeof import('../../src').createRealtime<'realtime', typeof widgetOptions.mutations>>
  const view = (key: string) => realtime.selectors.selectEntity(t.store.getState(), 'widgets', key) as Widget | null | undefined
  const record = (key: string) => realtime.selectors.selectEntityRecord(t.store.getState(), 'widgets', key)
  const ops = () => realtime.selectors.selectPendingOps(t.store.getState())
  const optimistic = () => t.store.getState().realtime.optimistic
  return { ...t, realtime, view, record, ops, optimistic }
}
