// @vitest-environment jsdom
import { cleanup, renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { usePendingOps } from '../../src/react'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { widgetOptions } from '../support/widgets'
import { counted, quietly, setupHooks, snapshot, stopStores } from './support'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  stopStores()
  vi.useRealTimers()
})

/** Widgets and alerts, each with a mutation; the socket open, the widgets loaded, the alerts left loading. */
async function twoCollections(strict = false) {
  const t = setupHooks({
    strict,
    collections: { widgets: { updates: ['WIDGET_UPDATE'] }, alerts: { updates: ['ALERT_UPDATE'] } },
    mutations: {
      ...widgetOptions.mutations,
      raiseAlert: { collection: 'alerts', message: 'ALERT_RAISE', apply: (_: unknown, alert: { id: string; level: number }) => ({ ...alert }) },
    },
  })
  await t.start()
  await t.answer(snapshot([{ id: 'w-1', value: 1, version: 1 }, { id: 'w-2', value: 2, version: 1 }]))
  const actions = t.realtime.actions as typeof t.realtime.actions & { raiseAlert(args: { id: string; level: number }): Parameters<typeof t.store.dispatch>[0] }
  return { ...t, actions }
}

describe('usePendingOps', () => {
  it('lists the pending ops, oldest first per entity, and follows them to confirmation', async () => {
    const t = await twoCollections()
    const { result } = renderHook(() => usePendingOps(), t.wrap)
    expect(result.current).toEqual([])
    await t.dispatch(t.actions.updateWidget({ id: 'w-1', value: 10 }))
    await t.dispatch(t.actions.renameWidget({ id: 'w-1', title: 'Load' }))
    await t.dispatch(t.actions.raiseAlert({ id: 'a-1', level: 3 }))
    expect(result.current.map((op) => [op.collection, op.key, op.mutation])).toEqual(
      expect.arrayContaining([
        ['widgets', 'w-1', 'updateWidget'],
        ['widgets', 'w-1', 'renameWidget'],
        ['alerts', 'a-1', 'raiseAlert'],
      ]),
    )
    expect(result.current).toHaveLength(3)
    const w1 = result.current.filter((op) => op.key === 'w-1').map((op) => op.mutation)
    expect(w1).toEqual(['updateWidget', 'renameWidget'])
    expect(result.current).toEqual(t.ops())

    // The first op of w-1 went out; its ACK settles it, and the next goes.
    const [first] = t.socket().sentMessages.filter((m) => m.type === 'WIDGET_UPDATE')
    await t.push({ type: 'ACK', replyTo: first!.id, data: { key: 'w-1', version: 2, value: { id: 'w-1', value: 10 } } })
    expect(result.current.map((op) => op.mutation).sort()).toEqual(['raiseAlert', 'renameWidget'])
  })

  it('of one collection: only its ops, and the same array (no render) while they are unchanged', async () => {
    const t = await twoCollections()
    const { result } = renderHook(counted(() => usePendingOps('widgets')), t.wrap)
    const empty = result.current.value
    expect(empty).toEqual([])

    // Ops of another collection, and inbound traffic, leave the widgets' list alone.
    await t.dispatch(t.actions.raiseAlert({ id: 'a-1', level: 3 }))
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-2', value: 5, version: 2 } }, { type: 'HELLO' })
    expect(t.ops()).toHaveLength(1)
    expect(result.current).toEqual({ value: empty, renders: 1 })

    await t.dispatch(t.actions.updateWidget({ id: 'w-1', value: 10 }))
    const listed = result.current.value
    expect(listed.map((op) => op.mutation)).toEqual(['updateWidget'])
    const renders = result.current.renders

    const alert = t.socket().sentMessages.find((m) => m.type === 'ALERT_RAISE')!
    await t.push({ type: 'ACK', replyTo: alert.id, data: { key: 'a-1', version: 1, value: { id: 'a-1', level: 3 } } })
    expect(t.ops()).toHaveLength(1)
    expect(result.current.value).toBe(listed)
    expect(result.current.renders).toBe(renders)
  })

  it('the list of every op is the same array while the ops are', async () => {
    const t = await twoCollections()
    const { result } = renderHook(counted(() => usePendingOps()), t.wrap)
    await t.dispatch(t.actions.updateWidget({ id: 'w-1', value: 10 }))
    const listed = result.current.value
    const renders = result.current.renders
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-2', value: 5, version: 2 } }, { type: 'HELLO' })
    await t.dispatch(t.realtime.actions.refreshWidget('w-2'))
    expect(result.current).toEqual({ value: listed, renders })
  })

  it('works under StrictMode', async () => {
    const t = await twoCollections(true)
    const { result } = renderHook(() => usePendingOps('alerts'), t.wrap)
    await t.dispatch(t.actions.raiseAlert({ id: 'a-1', level: 3 }))
    expect(result.current.map((op) => op.key)).toEqual(['a-1'])
  })

  it('throws an error naming usePendingOps for an undeclared collection', () => {
    const t = setupHooks()
    quietly(() => {
      expect(() => renderHook(() => usePendingOps('gadgets'), t.wrap)).toThrow(
        'rtk-realtime: usePendingOps("gadgets"): no collection "gadgets"; declare it in createRealtime({ collections })',
      )
    })
  })

  it('outside <RealtimeProvider> throws an error naming it', () => {
    quietly(() => {
      expect(() => renderHook(() => usePendingOps())).toThrow('rtk-realtime: usePendingOps() must be used inside <RealtimeProvider realtime={realtime}>')
    })
  })
})
