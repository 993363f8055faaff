import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { debounce } from '../../src/batching/debounce'
import { defaultTimers } from '../../src/world/timers'

// defaultTimers reads the globals on every call, so vi's fake timers (and fake Date) drive it.
const timers = defaultTimers

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Records each invocation's time and argument. */
function recorder<T>() {
  const calls: { at: number; arg: T }[] = []
  const fn = vi.fn((arg: T) => {
    calls.push({ at: Date.now(), arg })
    return arg
  })
  return { calls, fn }
}

describe('debounce', () => {
  it('runs once on the trailing edge with the last arguments (default options)', () => {
    const { calls, fn } = recorder<number>()
    const d = debounce(fn, 100, { timers })
    d(1)
    vi.advanceTimersByTime(50)
    d(2)
    vi.advanceTimersByTime(99)
    d(3)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(99)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(calls).toEqual([{ at: 249, arg: 3 }])
    vi.advanceTimersByTime(1000)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('returns the result of the latest invocation', () => {
    const d = debounce((x: number) => x * 2, 100, { timers })
    expect(d(1)).toBeUndefined()
    vi.advanceTimersByTime(100)
    expect(d(5)).toBe(2)
    vi.advanceTimersByTime(100)
    expect(d(7)).toBe(10)
  })

  it('forwards `this` and every argument', () => {
    const seen: unknown[] = []
    const target = {
      name: 'target',
      method: debounce(function (this: { name: string }, a: number, b: string) {
        seen.push(this.name, a, b)
      }, 10, { timers }),
    }
    target.method(1, 'x')
    vi.advanceTimersByTime(10)
    expect(seen).toEqual(['target', 1, 'x'])
  })

  it('leading only: runs at once, ignores the burst, and runs again after a quiet period', () => {
    const { calls, fn } = recorder<number>()
    const d = debounce(fn, 100, { timers, leading: true, trailing: false })
    expect(d(1)).toBe(1)
    vi.advanceTimersByTime(50)
    d(2)
    vi.advanceTimersByTime(500)
    expect(calls).toEqual([{ at: 0, arg: 1 }])
    d(3)
    expect(calls.map((c) => c.arg)).toEqual([1, 3])
  })

  it('leading and trailing: a lone call runs once; a burst runs on both edges', () => {
    const { calls, fn } = recorder<number>()
    const d = debounce(fn, 100, { timers, leading: true, trailing: true })
    d(1)
    vi.advanceTimersByTime(500)
    expect(calls).toEqual([{ at: 0, arg: 1 }])
    d(2)
    vi.advanceTimersByTime(30)
    d(3)
    vi.advanceTimersByTime(100)
    expect(calls).toEqual([
      { at: 0, arg: 1 },
      { at: 500, arg: 2 },
      { at: 630, arg: 3 },
    ])
  })

  it('neither edge: never runs', () => {
    const fn = vi.fn()
    const d = debounce(fn, 10, { timers, leading: false, trailing: false })
    d()
    vi.advanceTimersByTime(100)
    d()
    expect(d.flush()).toBeUndefined()
    expect(fn).not.toHaveBeenCalled()
  })

  it('maxWait bounds the delay while calls keep coming', () => {
    const { calls, fn } = recorder<number>()
    const d = debounce(fn, 100, { timers, maxWait: 250 })
    for (let t = 0; t < 1000; t += 10) {
      d(t)
      vi.advanceTimersByTime(10)
    }
    vi.advanceTimersByTime(1000)
    // Forced every 250 ms during the stream; the one at 1000 already carries the last call (t=990),
    // so no trailing call is left to make.
    expect(calls.map((c) => c.at)).toEqual([250, 500, 750, 1000])
    expect(calls.map((c) => c.arg)).toEqual([240, 490, 740, 990])
    for (let i = 1; i < calls.length; i++) {
      expect((calls[i] as { at: number }).at - (calls[i - 1] as { at: number }).at).toBeLessThanOrEqual(250)
    }
  })

  it('raises a maxWait below wait to wait, as lodash does', () => {
    const { calls, fn } = recorder<number>()
    const d = debounce(fn, 100, { timers, maxWait: 20 })
    for (let t = 0; t < 300; t += 10) {
      d(t)
      vi.advanceTimersByTime(10)
    }
    expect(calls.map((c) => c.at)).toEqual([100, 200, 300])
  })

  it('the slider: 100 moves over 1 s make 1 trailing call, or a bounded few with maxWait', () => {
    const plain = recorder<number>()
    const bounded = recorder<number>()
    const save = debounce(plain.fn, 100, { timers })
    const saveBounded = debounce(bounded.fn, 100, { timers, maxWait: 300 })
    for (let i = 0; i < 100; i++) {
      save(i)
      saveBounded(i)
      vi.advanceTimersByTime(10)
    }
    vi.advanceTimersByTime(200)
    expect(plain.calls).toEqual([{ at: 1090, arg: 99 }])
    expect(bounded.calls.length).toBeGreaterThan(1)
    expect(bounded.calls.length).toBeLessThanOrEqual(Math.ceil(1000 / 300) + 1)
    expect(bounded.calls.at(-1)).toEqual({ at: 1090, arg: 99 })
  })

  it('cancel drops the waiting call; the next call starts afresh', () => {
    const { calls, fn } = recorder<number>()
    const d = debounce(fn, 100, { timers, leading: true })
    d(1)
    d(2)
    expect(d.pending()).toBe(true)
    d.cancel()
    expect(d.pending()).toBe(false)
    vi.advanceTimersByTime(500)
    expect(calls.map((c) => c.arg)).toEqual([1])
    expect(vi.getTimerCount()).toBe(0)
    // A leading edge again, even though less than `wait` passed since the cancelled call.
    vi.setSystemTime(510)
    d(3)
    expect(calls.map((c) => c.arg)).toEqual([1, 3])
  })

  it('flush runs the waiting call now, returns its result, and leaves no timer behind', () => {
    const { calls, fn } = recorder<number>()
    const d = debounce(fn, 100, { timers })
    d(1)
    vi.advanceTimersByTime(30)
    d(2)
    expect(d.flush()).toBe(2)
    expect(calls).toEqual([{ at: 30, arg: 2 }])
    expect(d.pending()).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(500)
    expect(fn).toHaveBeenCalledTimes(1)
    // Nothing waiting: flush returns the last result without invoking.
    expect(d.flush()).toBe(2)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('a call after flush starts a new wait', () => {
    const { calls, fn } = recorder<number>()
    const d = debounce(fn, 100, { timers })
    d(1)
    d.flush()
    vi.advanceTimersByTime(10)
    d(2)
    vi.advanceTimersByTime(100)
    expect(calls).toEqual([
      { at: 0, arg: 1 },
      { at: 110, arg: 2 },
    ])
  })

  it('pending() is true only while a trailing call waits', () => {
    const d = debounce(() => {}, 100, { timers, leading: true })
    expect(d.pending()).toBe(false)
    d()
    // The lone leading call already ran: nothing is waiting although the wait runs.
    expect(d.pending()).toBe(false)
    d()
    expect(d.pending()).toBe(true)
    vi.advanceTimersByTime(100)
    expect(d.pending()).toBe(false)
    const trailingOff = debounce(() => {}, 100, { timers, trailing: false })
    trailingOff()
    trailingOff()
    expect(trailingOff.pending()).toBe(false)
  })

  it('a callback throwing in flush() propagates to the caller, and later calls still work', () => {
    let fail = true
    const fn = vi.fn((x: number) => {
      if (fail) throw new Error('boom')
      return x
    })
    const d = debounce(fn, 100, { timers })
    d(1)
    expect(() => d.flush()).toThrow('boom')
    expect(d.pending()).toBe(false)
    fail = false
    d(2)
    vi.advanceTimersByTime(100)
    expect(fn).toHaveBeenLastCalledWith(2)
    expect(d.flush()).toBe(2)
  })

  it('a callback throwing from the timer is not retried and does not stall the debouncer', () => {
    let fail = true
    const fn = vi.fn((x: number) => {
      if (fail) throw new Error('boom')
      return x
    })
    const d = debounce(fn, 100, { timers })
    d(1)
    // Fake timers rethrow a timer callback's error from the advancing call, as the host would report it.
    expect(() => vi.advanceTimersByTime(100)).toThrow('boom')
    expect(d.pending()).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
    fail = false
    d(2)
    vi.advanceTimersByTime(100)
    expect(fn.mock.calls).toEqual([[1], [2]])
  })

  it('a callback throwing on the leading edge throws to the caller and keeps the wait', () => {
    const fn = vi.fn((x: number) => {
      if (x === 1) throw new Error('boom')
      return x
    })
    const d = debounce(fn, 100, { timers, leading: true })
    expect(() => d(1)).toThrow('boom')
    d(2)
    vi.advanceTimersByTime(100)
    expect(fn.mock.calls).toEqual([[1], [2]])
  })

  it('onError receives the throw instead, from calls, flush and the timer alike', () => {
    const errors: unknown[] = []
    const fn = vi.fn((x: number) => {
      if (x < 0) throw new Error(`bad ${x}`)
      return x
    })
    const d = debounce(fn, 100, { timers, leading: true, onError: (e) => errors.push((e as Error).message) })
    expect(d(-1)).toBeUndefined()
    d(-2)
    vi.advanceTimersByTime(100)
    d(-3)
    expect(d.flush()).toBeUndefined()
    d(4)
    expect(errors).toEqual(['bad -1', 'bad -2', 'bad -3'])
    vi.advanceTimersByTime(100)
    expect(d.flush()).toBe(4)
  })

  it('recovers when the clock goes backwards', () => {
    const { fn } = recorder<number>()
    const d = debounce(fn, 100, { timers, leading: true, trailing: false })
    vi.setSystemTime(10_000)
    d(1)
    vi.setSystemTime(5_000)
    d(2)
    expect(fn.mock.calls.map((c) => c[0])).toEqual([1])
    vi.advanceTimersByTime(100)
    d(3)
    expect(fn.mock.calls.map((c) => c[0])).toEqual([1, 3])
  })

  it('rejects a negative or NaN wait', () => {
    expect(() => debounce(() => {}, -1)).toThrow(RangeError)
    expect(() => debounce(() => {}, Number.NaN)).toThrow(RangeError)
    expect(() => debounce(() => {}, 10, { maxWait: -5 })).toThrow(RangeError)
  })
})
