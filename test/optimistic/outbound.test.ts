import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

type Options = Parameters<typeof createWidgetStore>[0]

async function ready(options: Options = {}) {
  const t = createWidgetStore({ ...options, config: { ...options?.config, updates: { BATCH_MODE: 'off', BATCH_DELAY: 50, BATCH_SIZE: 3 }, websocket: { HEARTBEAT_INTERVAL: 0 } } })
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  for (const id of ['w-1', 'w-2', 'w-3', 'w-4']) socket.deliver({ type: 'WIDGET_UPDATE', data: { id, value: 0, version: 1 } })
  await endOfTurn()
  return { ...t, socket }
}

describe('outbound batching', () => {
  it('batches op messages of one window into one BATCH frame; acks settle each op alone', async () => {
    const t = await ready({ outbound: { batch: true } } as Options)
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 1 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 2 }))
    expect(t.socket.sentMessages).toEqual([])
    await vi.advanceTimersByTimeAsync(50)
    expect(t.socket.sentMessages).toHaveLength(1)
    const [frame] = t.socket.sentMessages
    expect(frame!.type).toBe('BATCH')
    expect(frame!.data.map((m: { data: { id: string } }) => m.data.id)).toEqual(['w-1', 'w-2'])
    t.socket.deliver({ type: 'ACK', replyTo: frame!.data[1].id, data: { key: 'w-2', version: 2, value: { id: 'w-2', value: 2 } } })
    expect(t.ops().map((o) => o.key)).toEqual(['w-1'])
  })

  it('a full batch (BATCH_SIZE) goes out at once', async () => {
    const t = await ready({ outbound: { batch: true } } as Options)
    for (const id of ['w-1', 'w-2', 'w-3']) t.store.dispatch(t.realtime.actions.updateWidget({ id, value: 5 }))
    expect(t.socket.sentMessages).toHaveLength(1)
    expect(t.socket.sentMessages[0]!.data).toHaveLength(3)
  })

  it('hands each batch to onUpdate instead of the socket, even while disconnected', async () => {
    const batches: unknown[][] = []
    const t = createWidgetStore({
      outbound: { onUpdate: (batch: unknown[]) => void batches.push(batch) },
      config: { updates: { BATCH_DELAY: 50 }, websocket: { AUTO_CONNECT: false } },
    } as Options)
    await vi.advanceTimersByTimeAsync(0)
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 1 }))
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 2 }))
    await vi.advanceTimersByTimeAsync(50)
    expect(batches).toHaveLength(1)
    expect(batches[0]).toMatchObject([{ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 1 } }, { type: 'WIDGET_UPDATE', data: { id: 'w-2', value: 2 } }])
    const opId = (batches[0]![0] as { id: string }).id
    t.store.dispatch(t.realtime.actions.confirm(opId, { version: 1, value: { id: 'w-1', value: 1 } }))
    expect(t.ops().map((o) => o.key)).toEqual(['w-2'])
  })

  it('with onUpdate, nothing is sent, retried or timed out while offline; going online flushes', async () => {
    const batches: Array<Array<{ id: string; attempt: number }>> = []
    const t = createWidgetStore({
      outbound: { onUpdate: (batch: Array<{ id: string; attempt: number }>) => void batches.push(batch) },
      config: { updates: { BATCH_DELAY: 10 }, websocket: { AUTO_CONNECT: false }, optimistic: { TIMEOUT: 1000 } },
    } as Options)
    await vi.advanceTimersByTimeAsync(0)
    t.store.dispatch(t.realtime.actions.offline())
    const a = t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 1 })).payload.opId
    await vi.advanceTimersByTimeAsync(60_000)
    expect(batches).toEqual([])
    expect(t.ops()[0]).toMatchObject({ status: 'queued', attempts: 0 })
    t.store.dispatch(t.realtime.actions.online())
    await vi.advanceTimersByTimeAsync(10)
    expect(batches.map((b) => b.map((m) => [m.id, m.attempt]))).toEqual([[[a, 1]]])
    // Offline again while it is on the wire: it goes again once online, uncounted, no timeout meanwhile.
    t.store.dispatch(t.realtime.actions.offline())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.ops()[0]).toMatchObject({ status: 'queued', attempts: 1, earlierUnanswered: true })
    expect(t.optimistic().rollbacks).toEqual([])
    t.store.dispatch(t.realtime.actions.online())
    await vi.advanceTimersByTimeAsync(10)
    expect(batches.map((b) => b.map((m) => [m.id, m.attempt]))).toEqual([[[a, 1]], [[a, 2]]])
  })

  it('an onUpdate that throws leaves the ops to be delivered again, then rolled back when retries are spent', async () => {
    const onUpdate = vi.fn(() => {
      throw new Error('HTTP 503')
    })
    const t = createWidgetStore({
      outbound: { onUpdate },
      config: { updates: { BATCH_DELAY: 10 }, websocket: { AUTO_CONNECT: false }, backgroundSync: { MAX_RETRIES: 2, RETRY_DELAY: 100 } },
    } as Options)
    await vi.advanceTimersByTimeAsync(0)
    t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 1 }))
    await vi.advanceTimersByTimeAsync(50)
    expect(onUpdate).toHaveBeenCalledTimes(1)
    // Each failure counts as a retryable refusal: the retries wait 100 ms, then 200 ms.
    await vi.advanceTimersByTimeAsync(100)
    expect(onUpdate).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(250)
    expect(onUpdate).toHaveBeenCalledTimes(3)
    expect(t.ops()).toEqual([])
    expect(t.optimistic().rollbacks.at(-1)!.reason.message).toContain('outbound.onUpdate failed: HTTP 503')
  })
})

describe('outbound debounce', () => {
  it('a slider drag sends one op per debounce window while the view follows every move', async () => {
    const t = await ready({
      mutations: {
        setValue: { collection: 'widgets', message: 'WIDGET_UPDATE', debounce: 100, apply: (w: { value: number }, a: { value: number }) => void (w.value = a.value) },
      },
    } as Options)
    const actions = t.realtime.actions as unknown as Record<string, (a: unknown) => { type: string }>
    for (let v = 1; v <= 20; v++) {
      t.store.dispatch(actions.setValue!({ id: 'w-1', value: v }) as never)
      expect(t.view('w-1')).toMatchObject({ value: v })
      await vi.advanceTimersByTimeAsync(10)
    }
    // 200 ms of dragging: the first window's op went out with the latest value of that window.
    const sent = t.socket.sentMessages
    expect(sent.length).toBeLessThanOrEqual(2)
    expect(sent[0]).toMatchObject({ data: { id: 'w-1' } })
    t.socket.deliver({ type: 'ACK', replyTo: sent[0]!.id, data: { key: 'w-1', version: 2, value: { id: 'w-1', value: sent[0]!.data.value } } })
    await vi.advanceTimersByTimeAsync(200)
    const last = t.socket.sentMessages.at(-1)!
    expect(last.data.value).toBe(20)
    expect(t.ops()).toHaveLength(1)
    expect(t.view('w-1')).toMatchObject({ value: 20 })
  })
})
