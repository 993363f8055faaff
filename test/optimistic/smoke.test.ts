import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

describe('optimistic smoke', () => {
  it('applies, sends, confirms', async () => {
    const t = createWidgetStore()
    await vi.advanceTimersByTimeAsync(0)
    const socket = FakeWebSocket.last
    socket.acceptOpen()
    socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 1, version: 1 }, seq: 1 })
    await vi.advanceTimersByTimeAsync(200)
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 1 })
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 42 }))
    expect(t.view('w-1')).toEqual({ id: 'w-1', value: 42 })
    const sent = socket.sentMessages.at(-1)!
    expect(sent).toMatchObject({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 42, baseVersion: 1 } })
    expect(t.ops()[0]).toMatchObject({ status: 'sent', attempts: 1 })
    socket.deliver({ type: 'ACK', replyTo: sent.id, data: { key: 'w-1', version: 2, value: { id: 'w-1', value: 42 } } })
    expect(t.ops()).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: { id: 'w-1', value: 42 }, version: 2, view: { id: 'w-1', value: 42 } })
  })
})
