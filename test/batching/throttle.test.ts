import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { throttle } from '../../src/batching/throttle'
import { defaultTimers } from '../../src/world/timers'

const timers = defaultTimers

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Records each invocation's time and argument. */
function recorder() {
  const calls: { at: number; arg: number }[] = []
  const fn = vi.fn((arg: number) => {
    calls.push({ at: Date.now(), arg })
    return arg
  })
  return { calls, fn }
}

/** Calls `f(t)` every `step` ms from 0 to before `until`. */
function stream(f: (t: number) => unknown, step: number, until: number): void {
  for (let t = 0; t < until; t += step) {
    f(t)
    vi.advanceTimersByTime(step)
  }
}

describe('throttle', () => {
  it('runs at once, then at most once per wait, and ends with the last arguments', () => {
    const { calls, fn } = recorder()
    const t = throttle(fn, 50, { timers })
    stream(t, 10, 200)
    vi.advanceTimersByTime(500)
    expect(calls.map((c) => c.at)).toEqual([0, 50, 100, 150, 200])
    expect(calls.at(-1)?.arg).toBe(190)
    for (let i = 1; i < calls.length; i++) {
      expect((calls[i] as { at: number }).at - (calls[i - 1] as { at: number }).at).toBeGreaterThanOrEqual(50)
    }
  })

  it('a lone call runs once, on the leading edge only', () => {
    const { fn } = recorder()
    const t = throttle(fn, 50, { timers })
    expect(t(1)).toBe(1)
    vi.advanceTimersByTime(500)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('leading: false waits for the end of the first window', () => {
    const { calls, fn } = recorder()
    const t = throttle(fn, 50, { timers, leading: false })
    stream(t, 10, 120)
    vi.advanceTimersByTime(500)
    expect(calls.map((c) => c.at)).toEqual([50, 100, 150])
    expect(calls.at(-1)?.arg).toBe(110)
  })

  it('trailing: false drops the calls made during a window', () => {
    const { calls, fn } = recorder()
    const t = throttle(fn, 50, { timers, trailing: false })
    stream(t, 10, 120)
    vi.advanceTimersByTime(500)
    expect(calls.map((c) => c.arg)).toEqual([0, 50, 100])
    expect(t.pending()).toBe(false)
  })

  it('cancel, flush and pending', () => {
    const { calls, fn } = recorder()
    const t = throttle(fn, 100, { timers })
    t(1)
    t(2)
    expect(t.pending()).toBe(true)
    expect(t.flush()).toBe(2)
    expect(t.pending()).toBe(false)
    // Still within the window of the flushed call: 3 and 4 wait for its end...
    vi.advanceTimersByTime(10)
    t(3)
    t(4)
    expect(calls.map((c) => c.arg)).toEqual([1, 2])
    // ...and cancel drops them.
    t.cancel()
    expect(t.pending()).toBe(false)
    vi.advanceTimersByTime(500)
    expect(calls.map((c) => c.arg)).toEqual([1, 2])
    // After cancel the next call is a leading edge again.
    t(5)
    expect(calls.map((c) => c.arg)).toEqual([1, 2, 5])
  })

  it('a throwing callback does not stop later windows', () => {
    const errors: unknown[] = []
    const fn = vi.fn((x: number) => {
      if (x % 2 === 1) throw new Error(`odd ${x}`)
      return x
    })
    const t = throttle(fn, 50, { timers, onError: (e) => errors.push((e as Error).message) })
    t(1)
    t(3)
    vi.advanceTimersByTime(50)
    t(4)
    expect(errors).toEqual(['odd 1', 'odd 3'])
    expect(fn).toHaveBeenLastCalledWith(4)
    // Without onError the leading call's throw reaches the caller.
    const bare = throttle(fn, 50, { timers })
    expect(() => bare(5)).toThrow('odd 5')
    bare(6)
    vi.advanceTimersByTime(50)
    expect(fn).toHaveBeenLastCalledWith(6)
  })
})
