import { describe, expect, it } from 'vitest'
import { setup, u } from './support'

/** `size` 50 and `delay` 200, the package defaults, in mode 'auto'. */
const auto = () => setup({ mode: 'auto', size: 50, delay: 200 })

/** Adds `n` updates on distinct keys (`prefix0`, `prefix1`, ...) in one go, as one socket read would. */
function burst(batcher: ReturnType<typeof auto>['batcher'], n: number, prefix = 'k'): void {
  for (let i = 0; i < n; i++) batcher.add(u(`${prefix}${i}`, 1))
}

describe("createUpdateBatcher: 'auto' mode", () => {
  it('leading flush: the first add to an idle batcher is flushed on the next macrotask (a 0 ms timer)', () => {
    const { batcher, clock, flushes } = auto()
    batcher.add(u('a', 1))
    expect(flushes).toHaveLength(0)
    expect(clock.count()).toBe(1)
    clock.advance(0)
    expect(flushes.map((f) => f.updates.map((x) => x.key))).toEqual([['a']])
    expect(clock.count()).toBe(0)
  })

  it('leading flush: everything added before the timer fires is one flush, whatever the count', () => {
    const { batcher, clock, flushes } = auto()
    burst(batcher, 49)
    batcher.add(u('k0', 2))
    // No size trigger: 50 received updates wait for the macrotask, still one flush.
    expect(flushes).toHaveLength(0)
    clock.advance(0)
    expect(flushes).toHaveLength(1)
    expect(flushes[0]?.stats).toEqual({ received: 50, coalesced: 1 })
  })

  it('a leading flush of fewer than `size` updates stays in leading mode', () => {
    const { batcher, clock, flushes } = auto()
    for (let round = 0; round < 5; round++) {
      burst(batcher, 49, `r${round}-`)
      clock.advance(0)
      expect(flushes).toHaveLength(round + 1)
      clock.advance(1)
    }
  })

  it('switches to busy after a leading flush of `size` updates: the next batch waits `delay` ms after its first add, with no size trigger', () => {
    const { batcher, clock, flushes } = auto()
    burst(batcher, 50, 'a')
    clock.advance(0)
    expect(flushes).toHaveLength(1)
    // The stream keeps coming: 1,000 updates over the next 150 ms are held for the window.
    clock.advance(10)
    for (let i = 0; i < 10; i++) {
      burst(batcher, 100, `b${i}-`)
      clock.advance(15)
    }
    expect(flushes).toHaveLength(1)
    clock.advance(200 - 150 - 1)
    expect(flushes).toHaveLength(1)
    clock.advance(1)
    expect(flushes).toHaveLength(2)
    expect(flushes[1]?.stats.received).toBe(1000)
  })

  it('after a busy window the next batch is a leading flush, which decides afresh: a big one leads to another window', () => {
    const { batcher, clock, flushes } = auto()
    burst(batcher, 60, 'a')
    clock.advance(0)
    for (let w = 0; w < 3; w++) {
      // The window: 60 updates over 200 ms.
      clock.advance(1)
      burst(batcher, 60, `w${w}-`)
      clock.advance(199)
      expect(flushes).toHaveLength(2 * w + 1)
      clock.advance(1)
      expect(flushes).toHaveLength(2 * w + 2)
      // The probe: a leading flush of one turn's 60 updates, so busy again.
      burst(batcher, 60, `p${w}-`)
      clock.advance(0)
      expect(flushes).toHaveLength(2 * w + 3)
    }
    expect(flushes.map((f) => f.stats.received)).toEqual([60, 60, 60, 60, 60, 60, 60])
  })

  it('a steady stream above `size` per window (paced) leaves the window after one: one hiccup does not cost every update after it', () => {
    const { batcher, clock, flushes } = auto()
    // A hiccup: 50 updates piled up in one turn.
    burst(batcher, 50, 'h')
    clock.advance(0)
    // Then 400 updates/s, one per turn: the first window collects 80 ...
    let n = 0
    for (let ms = 0; ms < 200; ms += 2.5) {
      batcher.add(u(`s${n++}`, 1))
      clock.advance(2.5)
    }
    expect(flushes.map((f) => f.stats.received)).toEqual([50, 80])
    // ... and from then on each update is a leading flush of its own.
    for (let i = 0; i < 10; i++) {
      batcher.add(u(`t${i}`, 1))
      clock.advance(0)
      expect(flushes).toHaveLength(3 + i)
      clock.advance(2.5)
    }
  })

  it('a pause of `delay` ms after a busy flush counts as idle: the next lone update is a leading flush', () => {
    const { batcher, clock, flushes } = auto()
    burst(batcher, 50, 'a')
    clock.advance(0)
    clock.advance(200)
    batcher.add(u('b', 1))
    clock.advance(0)
    expect(flushes.map((f) => f.stats.received)).toEqual([50, 1])
  })

  it('flush() ends any batch now and cancels its timer, in leading and busy state alike', () => {
    const { batcher, clock, flushes } = auto()
    batcher.add(u('a', 1))
    batcher.flush()
    expect(clock.count()).toBe(0)
    burst(batcher, 50, 'b')
    batcher.flush()
    batcher.add(u('c', 1))
    expect(clock.count()).toBe(1)
    batcher.flush()
    expect(clock.count()).toBe(0)
    expect(flushes.map((f) => f.stats.received)).toEqual([1, 50, 1])
  })

  it('dispose() while a leading flush is scheduled: no timer left, nothing flushed, later adds ignored', () => {
    const { batcher, clock, flushes } = auto()
    batcher.add(u('a', 1))
    batcher.dispose()
    expect(clock.count()).toBe(0)
    batcher.add(u('b', 1))
    clock.advance(1000)
    expect(flushes).toHaveLength(0)
    expect(clock.count()).toBe(0)
  })

  it('dispose() while busy, with or without a window running: no timer left, nothing more flushed', () => {
    for (const withWindow of [true, false]) {
      const { batcher, clock, flushes } = auto()
      burst(batcher, 50)
      clock.advance(0)
      if (withWindow) batcher.add(u('x', 1))
      expect(clock.count()).toBe(withWindow ? 1 : 0)
      batcher.dispose()
      expect(clock.count()).toBe(0)
      batcher.add(u('y', 1))
      clock.advance(1000)
      expect(flushes).toHaveLength(1)
    }
  })

  it('with delay Infinity, a busy stream still flushes: `size` stays the trigger', () => {
    const { batcher, clock, flushes } = setup({ mode: 'auto', size: 3, delay: Infinity })
    burst(batcher, 3, 'a')
    expect(flushes).toHaveLength(1)
    burst(batcher, 2, 'b')
    expect(clock.count()).toBe(0)
    batcher.add(u('c', 1))
    expect(flushes.map((f) => f.stats.received)).toEqual([3, 3])
  })

  it('the throughput shape: 100,000 updates arriving 100 per millisecond make about two flushes per 200 ms (a window, then a one-turn probe)', () => {
    const { batcher, clock, flushes } = auto()
    for (let ms = 0; ms < 1000; ms++) {
      burst(batcher, 100, `t${ms % 10}-`)
      clock.advance(1)
    }
    clock.advance(200)
    const received = flushes.reduce((n, f) => n + f.stats.received, 0)
    expect(received).toBe(100_000)
    // A leading flush of one turn (100), a 200 ms window, a probe of one turn, a window, ...
    expect(flushes.length).toBeLessThanOrEqual(12)
    expect(flushes.filter((f) => f.stats.received === 100).length).toBeGreaterThanOrEqual(flushes.length / 2 - 1)
  })
})
