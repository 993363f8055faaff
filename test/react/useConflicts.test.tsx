// @vitest-environment jsdom
import { cleanup, renderHook } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useConflicts } from '../../src/react'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { quietly, setupHooks, snapshot, step, stopStores } from './support'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  FakeWebSocket.reset()
})
afterEach(() => {
  cleanup()
  stopStores()
  vi.useRealTimers()
})

async function loaded(strict = false) {
  const t = setupHooks({ strict })
  await t.start()
  await t.answer(snapshot([{ id: 'w-1', title: 'CPU', value: 1, version: 1 }]))
  return t
}

describe('useConflicts', () => {
  it('lists a conflict a remote update caused; clear() forgets it', async () => {
    const t = await loaded()
    const { result } = renderHook(() => useConflicts(), t.wrap)
    expect(result.current.conflicts).toEqual([])
    await t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'CPU', value: 99, version: 2 } })
    expect(result.current.conflicts).toHaveLength(1)
    expect(result.current.conflicts[0]).toMatchObject({
      collection: 'widgets',
      key: 'w-1',
      strategy: 'REMOTE_WINS',
      local: { value: 10 },
      remote: { value: 99 },
      remoteVersion: 2,
    })
    expect(result.current.conflicts).toBe(t.optimistic().conflicts)

    const clear = result.current.clear
    await step(() => result.current.clear())
    expect(result.current.conflicts).toEqual([])
    expect(result.current.clear).toBe(clear)
    expect(t.types()).toContain('realtime/optimistic/conflictsCleared')
  })

  it('the same object while the conflicts are the same', async () => {
    const t = await loaded()
    const { result, rerender } = renderHook(() => useConflicts(), t.wrap)
    const before = result.current
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 5, version: 2 } }, { type: 'HELLO' })
    rerender()
    expect(result.current).toBe(before)
  })

  it('works under StrictMode', async () => {
    const t = await loaded(true)
    const { result } = renderHook(() => useConflicts(), t.wrap)
    await t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 10 }))
    await t.push({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 99, version: 2 } })
    expect(result.current.conflicts).toHaveLength(1)
    await step(() => result.current.clear())
    expect(result.current.conflicts).toEqual([])
  })

  it('outside <RealtimeProvider> throws an error naming it', () => {
    quietly(() => {
      expect(() => renderHook(() => useConflicts())).toThrow('rtk-realtime: useConflicts() must be used inside <RealtimeProvider realtime={realtime}>')
    })
  })
})
