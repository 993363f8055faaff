import { describe, expectTypeOf, it } from 'vitest'
import { collection, createRealtime, type MutationDefinition } from 'rtk-realtime'

interface Widget {
  id: string
  value: number
}
interface Gadget {
  id: string
  size: number
}

const collections = {
  widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }),
  logs: { updates: ['LOG'] },
}

describe('mutations on typed collections', () => {
  it('apply takes and returns the entity type of its collection', () => {
    const realtime = createRealtime({
      collections,
      mutations: {
        updateWidget: {
          collection: 'widgets',
          message: 'WIDGET_UPDATE',
          apply: (widget: Widget | null, { value }: { id: string; value: number }) => void (widget && (widget.value = value)),
        },
        createWidget: { collection: 'widgets', message: 'WIDGET_CREATE', apply: (_: Widget | null, widget: Widget) => ({ ...widget }) },
        deleteWidget: { collection: 'widgets', message: 'WIDGET_DELETE', apply: () => null },
        // An untyped collection leaves apply as declared.
        clearLog: { collection: 'logs', message: 'LOG_CLEAR', apply: (_: { lines: string[] }, _args: { id: string }) => null },
      },
    })
    expectTypeOf(realtime.actions.updateWidget).parameter(0).toEqualTypeOf<{ id: string; value: number }>()
    expectTypeOf(realtime.actions.createWidget).parameter(0).toEqualTypeOf<Widget>()
    expectTypeOf(realtime.actions.clearLog).parameter(0).toEqualTypeOf<{ id: string }>()
  })

  it('a draft of another type, a result of another type, or a draft that forgets null do not compile', () => {
    createRealtime({
      collections,
      mutations: {
        // @ts-expect-error the draft of a widgets mutation is a Widget (or null), not a Gadget
        resize: { collection: 'widgets', message: 'W', apply: (gadget: Gadget | null, _args: { id: string }) => void gadget },
      },
    })
    createRealtime({
      collections,
      mutations: {
        // @ts-expect-error a widgets mutation returns a Widget, null or nothing
        replace: { collection: 'widgets', message: 'W', apply: (_: Widget | null, { id }: { id: string }) => ({ id, size: 1 }) },
      },
    })
    createRealtime({
      collections,
      mutations: {
        // @ts-expect-error apply gets null for an entity the client does not hold: the draft must allow it
        bump: { collection: 'widgets', message: 'W', apply: (widget: Widget, _args: { id: string }) => void (widget.value += 1) },
      },
    })
  })

  it('a misspelt collection in a mutation does not compile', () => {
    createRealtime({
      collections,
      mutations: {
        // @ts-expect-error 'widgetz' is not a declared collection
        updateWidget: { collection: 'widgetz', message: 'W', apply: () => null },
      },
    })
  })

  it('mutations declared apart (collection: string) still compile; the run-time check names a wrong one', () => {
    const mutations = {
      updateWidget: { collection: 'widgets', message: 'W', apply: (widget: Widget | null, _args: { id: string }) => void widget },
    } satisfies Record<string, MutationDefinition>
    const realtime = createRealtime({ collections, mutations })
    expectTypeOf(realtime.actions.updateWidget).parameter(0).toEqualTypeOf<{ id: string }>()
  })
})
