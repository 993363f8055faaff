import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { collection, createRealtime } from 'rtk-realtime'
import { createTestStore } from '../support/createTestStore'
import { FakeWebSocket } from '../support/fakeWebSocket'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

interface Widget {
  id: string
  value: number
}

describe('collection<T>()', () => {
  it('returns the definition it is given: plain config, nothing added', () => {
    const parse = (data: unknown) => data as never
    const definition = { updates: ['WIDGET_UPDATE'], parse }
    const declared = collection<Widget>(definition)
    expect(declared).toBe(definition)
    expect(Object.keys(declared)).toEqual(['updates', 'parse'])
    expect(Object.getOwnPropertySymbols(declared)).toEqual([])
    expect(collection<Widget>()).toEqual({})
  })

  it('throws naming collection() for anything but a plain object', () => {
    for (const bad of [null, 42, 'widgets', ['WIDGET_UPDATE'], new Date()]) {
      expect(() => collection<Widget>(bad as never)).toThrow(/^rtk-realtime: collection<T>\(definition\): definition must be an object/)
    }
  })

  it('a typed collection behaves as its plain object form: updates from the socket land in the view', async () => {
    const t = createTestStore({ collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) }, sync: false })
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    // Late and duplicated: the newer version wins, the replay of version 1 is ignored.
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 8, version: 2 }, seq: 1 })
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 7, version: 1 }, seq: 2 })
    await vi.advanceTimersByTimeAsync(200)
    expect(t.realtime.selectors.selectEntity(t.store.getState(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 8 })
    t.store.dispatch(t.realtime.actions.disconnect())
  })

  it('createRealtime still refuses a malformed typed definition, naming the collection', () => {
    expect(() => createRealtime({ collections: { widgets: collection<Widget>({ updates: 'WIDGET_UPDATE' as never }) } })).toThrow(
      /collections\.widgets\.updates must be an array of message types/,
    )
  })
})
