import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { createTestStore } from '../support/createTestStore'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('smoke', () => {
  it('connects, routes, sends', async () => {
    const t = createTestStore({ inbound: { STATS: 'stats/received' } })
    await vi.advanceTimersByTimeAsync(0)
    expect(t.connection().status).toBe('connecting')
    t.store.dispatch(t.realtime.actions.send('HELLO', { a: 1 }))
    expect(t.connection().buffer).toHaveLength(1)
    FakeWebSocket.last.acceptOpen()
    expect(t.connection().status).toBe('open')
    expect(FakeWebSocket.last.sentMessages).toEqual([{ type: 'HELLO', data: { a: 1 } }])
    FakeWebSocket.last.deliver({ type: 'STATS', data: { n: 1 }, seq: 1 })
    expect(t.seen.at(-1)).toMatchObject({ type: 'stats/received', payload: { n: 1 } })
    const p = t.store.dispatch(t.realtime.request('ECHO', { x: 1 }))
    const req = FakeWebSocket.last.sentMessages.at(-1)!
    FakeWebSocket.last.deliver({ type: 'ECHO', replyTo: req.id, data: { x: 1 } })
    await expect(p).resolves.toMatchObject({ data: { x: 1 } })
    FakeWebSocket.last.serverClose(1006)
    expect(t.connection().status).toBe('reconnecting')
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeWebSocket.instances).toHaveLength(2)
  })
})
