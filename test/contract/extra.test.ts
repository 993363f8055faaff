import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAction } from '@reduxjs/toolkit'
import { mk, FakeWebSocket } from './harness'
import { endOfTurn } from '../support/fakeWebSocket'

beforeEach(() => { vi.useFakeTimers(); vi.setSystemTime(3_000_000) })
afterEach(() => vi.useRealTimers())

describe('extra README promises', () => {
  it('action-creator route: {type, payload: data, meta.realtime}', async () => {
    const raised = createAction<any>('alerts/raised')
    const t = await mk({ inbound: { ALERT: raised } })
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.deliver({ type: 'ALERT', data: { level: 2 }, seq: 9 })
    const a = t.ofType('alerts/raised')[0]
    expect(a).toEqual({ type: 'alerts/raised', payload: { level: 2 }, meta: { realtime: { source: 'realtime', type: 'ALERT', receivedAt: Date.now(), seq: 9 } } })
  })
  it('lastRejection shape {code, reason, type?, at}', async () => {
    const t = await mk()
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.deliver('nope')
    await endOfTurn()
    expect(t.conn().lastRejection).toEqual({ code: 'malformed_json', reason: expect.any(String), at: Date.now() })
  })
  it('a send that meets a closing socket goes back to the buffer (sendRequeued)', async () => {
    const t = await mk()
    const ws = FakeWebSocket.last
    ws.acceptOpen()
    ws.readyState = 2
    t.dispatch(t.realtime.actions.send('A', 1))
    expect(t.conn().buffer.map((e: any) => e.type)).toEqual(['A'])
    expect(t.of('sendRequeued')).toHaveLength(1)
  })
  it('a session that opened resets the attempt count', async () => {
    const t = await mk()
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.serverClose()
    await vi.advanceTimersByTimeAsync(1000)
    FakeWebSocket.last.serverClose()
    await vi.advanceTimersByTimeAsync(2000)
    FakeWebSocket.last.acceptOpen()
    expect(t.conn().attempt).toBe(0)
    FakeWebSocket.last.serverClose()
    expect(t.of('reconnectScheduled').at(-1).payload).toMatchObject({ attempt: 1, delayMs: 1000 })
  })
  it('failed: connect() retries now', async () => {
    const t = await mk({ config: { websocket: { RECONNECT_ATTEMPTS: 1 } } })
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.serverClose()
    await vi.advanceTimersByTimeAsync(1000)
    FakeWebSocket.last.serverClose()
    expect(t.conn().status).toBe('failed')
    const n = FakeWebSocket.instances.length
    t.dispatch(t.realtime.actions.connect())
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.instances.length).toBe(n + 1)
  })
  it('requests state entry removed and requestFailed on timeout', async () => {
    const t = await mk({ generateId: () => 'q' })
    const p = t.dispatch(t.realtime.request('X', 1, { timeout: 100 })).catch((e: any) => e)
    await vi.advanceTimersByTimeAsync(100)
    expect(await p).toMatchObject({ code: 'REQUEST_TIMEOUT' })
    expect(t.of('requestFailed')[0].payload.requestId).toBe('q')
    expect(t.conn().requests).toEqual({})
  })
})
