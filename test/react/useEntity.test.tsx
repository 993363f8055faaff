// @vitest-environment jsdom
import { cleanup, renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useEntity } from '../../src/react'
import { FakeWebSocket } from '../support/fakeWebSocket'
import type { Widget } from '../support/widgets'
import { advance, quietly, setupHooks, snapshot, step, stopStores } from './support'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  stopStores()
  vi.useRealTimers()
})

const W1 = { id: 'w-1', title: 'CPU', value: 1, version: 1 }
const W2 = { id: 'w-2', title: 'RAM', value: 2, version: 1 }

describe('useEntity', () => {
  it('follows the entity through the initial load, live updates, a close and the resync', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => useEntity<Widget>('widgets', 'w-1'), t.wrap)
    expect(result.current).toEqual({ data: undefined, status: 'loading', loading: true, stale: false, pending: false, deleted: false, version: 0 })

    await t.start()
    expect(t.syncs()).toHaveLength(1)
    expect(result.current.status).toBe('loading')
    await t.answer(snapshot([W1, W2], 5))
    expect(result.current).toEqual({ data: { id: 'w-1', title: 'CPU', value: 1 }, status: 'ready', loading: false, stale: false, pending: false, deleted: false, version: 1 })

    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 7, version: 2 }, seq: 6 })
    expect(result.current).toMatchObject({ data: { id: 'w-1', value: 7 }, status: 'ready', version: 2 })

    // A close marks the collection stale (its updates may be missed); the resync after the reopen makes it ready.
    await step(() => t.socket().serverClose(1006))
    expect(result.current).toMatchObject({ status: 'stale', stale: true, loading: false, data: { value: 7 } })
    await advance(1_000)
    await t.start()
    expect(t.lastSync().data).toEqual({ since: 6 })
    await t.answer({ seq: 7, messages: [{ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 8, version: 3 }, seq: 7 }] })
    expect(result.current).toMatchObject({ status: 'ready', stale: false, data: { value: 8 }, version: 3 })
  })

  it('an entity a live update brought is ready before its collection was ever synced', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => useEntity<Widget>('widgets', 'w-3'), t.wrap)
    await t.start()
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-3', value: 3, version: 1 } })
    expect(result.current).toMatchObject({ data: { id: 'w-3', value: 3 }, status: 'ready', version: 1 })
  })

  it('refreshWidget marks that entity stale, not its neighbours, until its collection synced', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => ({ one: useEntity('widgets', 'w-1'), two: useEntity('widgets', 'w-2') }), t.wrap)
    await t.start()
    await t.answer(snapshot([W1, W2]))
    await t.dispatch(t.realtime.actions.refreshWidget('w-1'))
    expect(result.current.one).toMatchObject({ status: 'stale', stale: true })
    expect(result.current.two).toMatchObject({ status: 'ready', stale: false })
    await t.answer({ seq: 1, messages: [] })
    expect(result.current.one.status).toBe('ready')
  })

  it('pending while an op waits for the server; the view shows it at once', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => useEntity<Widget>('widgets', 'w-1'), t.wrap)
    await t.start()
    await t.answer(snapshot([W1]))
    await t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 42 }))
    expect(result.current).toMatchObject({ data: { value: 42 }, pending: true, version: 1, status: 'ready' })
    const op = t.socket().sentMessages.at(-1)!
    await t.push({ type: 'ACK', replyTo: op.id, data: { key: 'w-1', version: 2, value: { id: 'w-1', title: 'CPU', value: 42 } } })
    expect(result.current).toMatchObject({ data: { value: 42 }, pending: false, version: 2 })
  })

  it('deleted: known to the server and null (a delete update, a snapshot leaving it out, a pending delete op)', async () => {
    const t = setupHooks()
    const { result } = renderHook(
      () => ({ one: useEntity('widgets', 'w-1'), two: useEntity('widgets', 'w-2'), three: useEntity('widgets', 'w-3'), none: useEntity('widgets', 'w-9') }),
      t.wrap,
    )
    await t.start()
    await t.answer(snapshot([W1, W2, { id: 'w-3', value: 3, version: 1 }], 1))
    expect(result.current.none).toMatchObject({ data: undefined, status: 'ready', deleted: false, version: 0 })

    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-1', version: 2, deleted: true }, seq: 2 })
    expect(result.current.one).toMatchObject({ data: null, deleted: true, pending: false, version: 2 })

    await t.dispatch(t.realtime.actions.deleteWidget({ id: 'w-3' }))
    expect(result.current.three).toMatchObject({ data: null, deleted: true, pending: true, version: 1 })

    // The next snapshot leaves w-2 out: deleted on the server.
    await t.dispatch(t.realtime.actions.refresh())
    await t.answer(snapshot([{ id: 'w-1', version: 2, deleted: true }, { id: 'w-3', value: 3, version: 1 }], 3))
    expect(result.current.two).toMatchObject({ data: null, deleted: true, version: 1, status: 'ready' })
  })

  it('a pending create of an entity the server does not know is not deleted, and becomes data', async () => {
    const t = setupHooks()
    const { result } = renderHook(() => useEntity<Widget>('widgets', 'w-5'), t.wrap)
    await t.start()
    await t.answer(snapshot([W1]))
    await t.dispatch(t.realtime.actions.createWidget({ id: 'w-5', value: 5 }))
    expect(result.current).toMatchObject({ data: { id: 'w-5', value: 5 }, pending: true, deleted: false, version: 0 })
  })

  it('returns the same object while the entity is unchanged', async () => {
    const t = setupHooks()
    const { result, rerender } = renderHook(() => useEntity('widgets', 'w-1'), t.wrap)
    await t.start()
    await t.answer(snapshot([W1, W2]))
    const before = result.current
    rerender()
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-2', value: 5, version: 2 }, seq: 2 }, { type: 'HELLO' })
    rerender()
    expect(result.current).toBe(before)
  })

  it('follows a change of key', async () => {
    const t = setupHooks()
    const { result, rerender } = renderHook(({ key }) => useEntity<Widget>('widgets', key), { ...t.wrap, initialProps: { key: 'w-1' } })
    await t.start()
    await t.answer(snapshot([W1, W2]))
    expect(result.current.data?.title).toBe('CPU')
    rerender({ key: 'w-2' })
    expect(result.current.data?.title).toBe('RAM')
  })

  it('works the same under StrictMode', async () => {
    const t = setupHooks({ strict: true })
    const { result } = renderHook(() => useEntity<Widget>('widgets', 'w-1'), t.wrap)
    await t.start()
    await t.answer(snapshot([W1]))
    await t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 2 }))
    expect(result.current).toMatchObject({ data: { value: 2 }, pending: true, status: 'ready' })
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('throws an error naming useEntity for an undeclared collection or an empty key', () => {
    const t = setupHooks()
    quietly(() => {
      expect(() => renderHook(() => useEntity('gadgets', 'g-1'), t.wrap)).toThrow(
        'rtk-realtime: useEntity("gadgets", "g-1"): no collection "gadgets"; declare it in createRealtime({ collections })',
      )
      expect(() => renderHook(() => useEntity('widgets', ''), t.wrap)).toThrow(
        new TypeError('rtk-realtime: useEntity("widgets", ""): key must be a non-empty string'),
      )
      // Keys are data: names of Object.prototype are keys like any other, not collections.
      expect(() => renderHook(() => useEntity('toString', 'x'), t.wrap)).toThrow(/no collection "toString"/)
    })
    const { result } = renderHook(() => useEntity('widgets', '__proto__'), t.wrap)
    expect(result.current).toMatchObject({ data: undefined, status: 'loading' })
  })

  it('outside <RealtimeProvider> throws an error naming it', () => {
    quietly(() => {
      expect(() => renderHook(() => useEntity('widgets', 'w-1'))).toThrow('rtk-realtime: useEntity() must be used inside <RealtimeProvider realtime={realtime}>')
    })
  })
})
