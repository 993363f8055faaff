// Contract, from the README's "Entity updates from the server" and the updates.* rows of
// "Configuration": when a batch of entity updates reaches the store, by updates.BATCH_MODE.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRealtime, RealtimeConfigError } from 'rtk-realtime'
import { endOfTurn, open8, upd } from './harness8'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

const burst = (socket: any, n: number, from = 0, version = 1) => {
  for (let i = from; i < from + n; i++) socket.deliver(upd(`w-${i}`, version, i))
}

describe('defaults', () => {
  it("updates.BATCH_MODE is 'auto', BATCH_SIZE 50, BATCH_DELAY 200, DEDUPLICATION true", () => {
    const realtime = createRealtime({ environmentListeners: false })
    expect(realtime.getConfig('updates.BATCH_MODE')).toBe('auto')
    expect(realtime.getConfig('updates.BATCH_SIZE')).toBe(50)
    expect(realtime.getConfig('updates.BATCH_DELAY')).toBe(200)
    expect(realtime.getConfig('updates.DEDUPLICATION')).toBe(true)
  })
  it('an unknown BATCH_MODE throws a RealtimeConfigError naming updates.BATCH_MODE and the value', () => {
    let error: any
    try { createRealtime({ environmentListeners: false, config: { updates: { BATCH_MODE: 'sometimes' as any } } }) } catch (e) { error = e }
    expect(error).toBeInstanceOf(RealtimeConfigError)
    expect(error).toBeInstanceOf(TypeError)
    expect(error.option).toBe('updates.BATCH_MODE')
    expect(error.value).toBe('sometimes')
    expect(String(error.message)).toContain('updates.BATCH_MODE')
    expect(String(error.message)).toContain('sometimes')
  })
})

describe("'auto' (the default)", () => {
  it('a lone update reaching an idle client is applied on the next macrotask, not synchronously, in one entitiesUpdated', async () => {
    const t = await open8()
    t.socket.deliver(upd('w-1', 1, 10))
    await endOfTurn()
    expect(t.entity('w-1')).toBeUndefined() // a leading flush is setTimeout(0), not synchronous
    await vi.advanceTimersByTimeAsync(0)
    expect(t.entity('w-1')).toEqual({ id: 'w-1', value: 10 })
    expect(t.batches()).toHaveLength(1)
    expect(t.batches()[0].payload).toMatchObject({ updates: [{ collection: 'widgets', key: 'w-1', version: 1, value: { id: 'w-1', value: 10 } }] })
    expect(t.batches()[0].payload.received).toEqual(expect.any(Number))
    expect(t.batches()[0].payload.at).toEqual(expect.any(Number))
  })

  it('everything the same socket read delivered joins the leading flush: one action, one notification', async () => {
    const t = await open8()
    const before = t.notifications()
    burst(t.socket, 10)
    await endOfTurn()
    const afterFrames = t.notifications()
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(1)
    expect(t.batches()[0].payload.updates).toHaveLength(10)
    // the frames themselves do not become actions one by one: the flush is the one notification
    expect(afterFrames - before).toBe(0)
    expect(t.notifications() - afterFrames).toBe(1)
  })

  it('separate trickling updates (each in its own turn) are each applied within a millisecond', async () => {
    const t = await open8()
    for (let i = 0; i < 5; i++) {
      t.socket.deliver(upd(`w-${i}`, 1, i))
      await vi.advanceTimersByTimeAsync(1)
      expect(t.entity(`w-${i}`)).toEqual({ id: `w-${i}`, value: i })
    }
    expect(t.batches()).toHaveLength(5)
  })

  it('49 updates in one turn do not make the stream busy: the next lone update is again a leading flush', async () => {
    const t = await open8()
    burst(t.socket, 49)
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(1)
    t.socket.deliver(upd('late', 1, 1))
    await vi.advanceTimersByTimeAsync(1)
    expect(t.entity('late')).toEqual({ id: 'late', value: 1 })
  })

  it('a leading flush of 50 marks the stream busy: the next batch is applied BATCH_DELAY ms after its first update, whatever its size', async () => {
    const t = await open8()
    burst(t.socket, 50)
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(1)
    expect(t.batches()[0].payload.updates).toHaveLength(50)

    await vi.advanceTimersByTimeAsync(10)
    t.socket.deliver(upd('b-0', 1, 0)) // first update of the busy batch, at t0
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(50)
    // 500 more in later turns: no size trigger while busy
    for (let turn = 0; turn < 5; turn++) {
      for (let i = 0; i < 100; i++) t.socket.deliver(upd(`b-${1 + turn * 100 + i}`, 1, i))
      await vi.advanceTimersByTimeAsync(10)
    }
    // t0 + 100 ms now
    expect(t.batches()).toHaveLength(1)
    expect(t.entity('b-0')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(99) // t0 + 199
    expect(t.batches()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1) // t0 + 200
    expect(t.batches()).toHaveLength(2)
    expect(t.batches()[1].payload.updates).toHaveLength(501)
    expect(t.entity('b-500')).toEqual({ id: 'b-500', value: 99 })
  })

  it('after the busy window, the next batch is a leading flush again and decides afresh (one hiccup costs one window)', async () => {
    const t = await open8()
    burst(t.socket, 50) // hiccup
    await vi.advanceTimersByTimeAsync(0)
    t.socket.deliver(upd('x', 1, 1)) // waits one window
    await vi.advanceTimersByTimeAsync(200)
    expect(t.entity('x')).toEqual({ id: 'x', value: 1 })
    const n = t.batches().length
    // the window is over: a lone update is a leading flush again
    t.socket.deliver(upd('y', 1, 1))
    await vi.advanceTimersByTimeAsync(1)
    expect(t.entity('y')).toEqual({ id: 'y', value: 1 })
    expect(t.batches()).toHaveLength(n + 1)
    // and a small one after that too
    t.socket.deliver(upd('z', 1, 1))
    await vi.advanceTimersByTimeAsync(1)
    expect(t.entity('z')).toEqual({ id: 'z', value: 1 })
  })

  it('a pause of BATCH_DELAY ms ends a busy spell', async () => {
    const t = await open8()
    burst(t.socket, 60)
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(200) // quiet for BATCH_DELAY
    t.socket.deliver(upd('after-pause', 1, 7))
    await vi.advanceTimersByTimeAsync(1)
    expect(t.entity('after-pause')).toEqual({ id: 'after-pause', value: 7 })
  })

  it('BATCH_SIZE and BATCH_DELAY are honoured when overridden (busy at 5, window 30 ms)', async () => {
    const t = await open8({}, { BATCH_SIZE: 5, BATCH_DELAY: 30 })
    burst(t.socket, 5)
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(1)
    t.socket.deliver(upd('q', 1, 1))
    await vi.advanceTimersByTimeAsync(29)
    expect(t.entity('q')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(t.entity('q')).toEqual({ id: 'q', value: 1 })
  })
})

describe("'window'", () => {
  it('a lone update always waits BATCH_DELAY (200) ms', async () => {
    const t = await open8({}, { BATCH_MODE: 'window' })
    t.socket.deliver(upd('w-1', 1, 1))
    await vi.advanceTimersByTimeAsync(199)
    expect(t.entity('w-1')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(t.entity('w-1')).toEqual({ id: 'w-1', value: 1 })
    expect(t.batches()).toHaveLength(1)
  })
  it('a batch is applied as soon as it holds BATCH_SIZE updates; 120 updates are 50 + 50 + 20', async () => {
    const t = await open8({}, { BATCH_MODE: 'window' })
    burst(t.socket, 120)
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(0)
    const sizes = t.batches().map((b) => b.payload.updates.length)
    expect(sizes.slice(0, 2)).toEqual([50, 50])
    await vi.advanceTimersByTimeAsync(200)
    expect(t.batches().map((b) => b.payload.updates.length)).toEqual([50, 50, 20])
  })
})

describe("'raf'", () => {
  it('without requestAnimationFrame (Node) a 16 ms timer stands in, and BATCH_SIZE is ignored: 500 updates, one batch', async () => {
    expect(typeof (globalThis as any).requestAnimationFrame).toBe('undefined')
    const t = await open8({}, { BATCH_MODE: 'raf' })
    burst(t.socket, 500)
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(15)
    expect(t.batches()).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.batches()).toHaveLength(1)
    expect(t.batches()[0].payload.updates).toHaveLength(500)
  })

  it('with requestAnimationFrame, exactly one batch per animation frame, whatever the count', async () => {
    const frames: Array<(ts: number) => void> = []
    vi.stubGlobal('requestAnimationFrame', (cb: (ts: number) => void) => { frames.push(cb); return frames.length })
    vi.stubGlobal('cancelAnimationFrame', () => {})
    const t = await open8({}, { BATCH_MODE: 'raf' })
    burst(t.socket, 300)
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(100) // time alone does not flush: the frame does
    expect(t.batches()).toHaveLength(0)
    expect(frames.length).toBeGreaterThanOrEqual(1)
    const before = t.notifications()
    frames.splice(0).forEach((cb) => cb(performance.now()))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(1)
    expect(t.batches()[0].payload.updates).toHaveLength(300)
    expect(t.notifications() - before).toBe(1)
    burst(t.socket, 3, 1000)
    await endOfTurn()
    frames.splice(0).forEach((cb) => cb(performance.now()))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(2)
  })
})

describe("'off'", () => {
  it('one entitiesUpdated action per update', async () => {
    const t = await open8({}, { BATCH_MODE: 'off' })
    burst(t.socket, 7)
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()).toHaveLength(7)
    expect(t.batches().every((b) => b.payload.updates.length === 1)).toBe(true)
    expect(t.entity('w-6')).toEqual({ id: 'w-6', value: 6 })
  })
})

describe('every mode', () => {
  for (const mode of ['auto', 'window', 'raf', 'off'] as const) {
    it(`${mode}: at most one store notification per batch`, async () => {
      const t = await open8({}, { BATCH_MODE: mode })
      const before = t.notifications()
      burst(t.socket, 120)
      await endOfTurn()
      await vi.advanceTimersByTimeAsync(1_000)
      expect(t.entity('w-119')).toEqual({ id: 'w-119', value: 119 })
      expect(t.notifications() - before).toBeLessThanOrEqual(t.batches().length)
    })

    it(`${mode}: duplicates and reordering are harmless (confirmed only moves forward), and DEDUPLICATION coalesces within a batch`, async () => {
      const t = await open8({}, { BATCH_MODE: mode })
      for (const v of [3, 1, 5, 2, 5, 4]) t.socket.deliver(upd('w-1', v, v * 10))
      await endOfTurn()
      await vi.advanceTimersByTimeAsync(1_000)
      expect(t.record('w-1')).toMatchObject({ version: 5, confirmed: { id: 'w-1', value: 50 } })
      if (mode !== 'off') {
        const all = t.batches().flatMap((b) => b.payload.updates)
        expect(all.filter((u: any) => u.key === 'w-1')).toHaveLength(1)
        expect(all[0]).toMatchObject({ version: 5 })
      }
      // a late older one changes nothing
      t.socket.deliver(upd('w-1', 2, 999))
      await vi.advanceTimersByTimeAsync(1_000)
      expect(t.record('w-1')).toMatchObject({ version: 5, confirmed: { id: 'w-1', value: 50 } })
    })
  }

  it('DEDUPLICATION: false keeps every update of an entity in the batch (the newest still wins)', async () => {
    const t = await open8({}, { DEDUPLICATION: false })
    for (const v of [1, 2, 3]) t.socket.deliver(upd('w-1', v, v))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.batches()[0].payload.updates.filter((u: any) => u.key === 'w-1')).toHaveLength(3)
    expect(t.record('w-1')).toMatchObject({ version: 3, confirmed: { value: 3 } })
  })

  it('bad updates are messageRejected (validation_failed) and nothing is stored: version 0, negative, NaN-like, empty id', async () => {
    const t = await open8()
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'a', version: 0, value: 1 } })
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'b', version: -1, value: 1 } })
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 'c', version: '2', value: 1 } })
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: '', version: 1, value: 1 } })
    t.socket.deliver({ type: 'WIDGET_UPDATE', data: { id: 7, version: 1, value: 1 } })
    t.socket.deliver(upd('ok', 1, 1))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.rejections().map((r) => r.payload.code)).toEqual(Array(5).fill('validation_failed'))
    for (const k of ['a', 'b', 'c', '7']) expect(t.entity(k)).toBeUndefined()
    expect(t.entity('ok')).toEqual({ id: 'ok', value: 1 })
  })
})
