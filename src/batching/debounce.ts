import { defaultTimers } from '../world/timers'
import type { TimerHandle, TimerProvider } from '../world/timers'
import { assertDuration } from './assertDuration'

/**
 * Any function; `debounce` keeps its parameters, `this` and return type. `any` (not `unknown`)
 * because parameter types are contravariant: `(x: number) => void` is not a `(...args: unknown[]) => unknown`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the widest function type: any function must be assignable to it
export type AnyFunction = (...args: any[]) => any

/** Options of {@link debounce}. */
export interface DebounceOptions {
  /** Clock and timers, injected so tests control time. @default defaultTimers (the globals) */
  timers?: TimerProvider
  /** Invoke on the leading edge: the first call after a quiet period runs at once. @default false */
  leading?: boolean
  /** Invoke on the trailing edge: once calls stop for `wait` ms, run with the last call's arguments. @default true */
  trailing?: boolean
  /**
   * The longest a call may be held back while calls keep coming, in ms; raised to `wait` when smaller
   * (as lodash does). Without it a call stream faster than `wait` would never run.
   * @default undefined (no bound)
   */
  maxWait?: number
  /**
   * Receives whatever `fn` throws. When given, a throw never escapes (not from a call, not from
   * `flush()`, not from the timer) and the debounced function keeps its previous result.
   * When absent, the throw propagates to whoever triggered the invocation: the caller (leading edge,
   * `maxWait` reached during a call), the caller of `flush()`, or the timer callback (where the host
   * reports it as an uncaught error). Either way the debouncer's state is reset before `fn` runs, so
   * later calls still work.
   * @default undefined
   */
  onError?: (error: unknown) => void
}

/** A debounced (or throttled) function: call it like the original; it returns the last result. */
export interface Debounced<F extends AnyFunction> {
  /** Schedules `fn`; returns the result of the most recent invocation (`undefined` before the first). */
  (this: ThisParameterType<F>, ...args: Parameters<F>): ReturnType<F> | undefined
  /** Drops the waiting call and stops the timer; the next call starts afresh (a leading edge again). */
  cancel(): void
  /** Runs the waiting call now (if any) and returns the latest result; ends the current wait. */
  flush(): ReturnType<F> | undefined
  /**
   * Whether a call is waiting to run on the trailing edge, i.e. whether `flush()` would invoke `fn`.
   * Unlike lodash, which reports only that its timer is running, this is false after a lone
   * leading-edge call and always false with `trailing: false`: "is there an unsent value?" is the
   * question callers (a slider that must save before unload) actually ask.
   */
  pending(): boolean
}

/**
 * Delays `fn` until `wait` ms have passed since the last call, with lodash's semantics for
 * `leading`, `trailing` and `maxWait`. With both edges on, `fn` runs on the trailing edge only if
 * it was called again during the wait. Time is read from and waited on through `options.timers`.
 *
 * @example
 * const save = debounce((value: number) => send(value), 100, { maxWait: 500 })
 * slider.oninput = (e) => save(Number(e.target.value))   // one send per pause, at least every 500 ms
 */
export function debounce<F extends AnyFunction>(fn: F, wait: number, options: DebounceOptions = {}): Debounced<F> {
  const { timers = defaultTimers, leading = false, trailing = true, onError } = options
  assertDuration('debounce wait', wait)
  const maxing = options.maxWait !== undefined
  if (maxing) assertDuration('debounce maxWait', options.maxWait as number)
  const maxWait = maxing ? Math.max(options.maxWait as number, wait) : 0

  let lastArgs: Parameters<F> | undefined
  let lastThis: unknown
  let lastCallTime: number | undefined
  let lastInvokeTime = 0
  let result: ReturnType<F> | undefined
  // Handles are opaque (a fake provider may hand out 0 or undefined), so "is a timer running" is
  // tracked separately instead of being inferred from the handle.
  let timer: TimerHandle
  let timerRunning = false

  function startTimer(ms: number): void {
    timer = timers.setTimeout(timerExpired, ms)
    timerRunning = true
  }

  function stopTimer(): void {
    if (!timerRunning) return
    timerRunning = false
    timers.clearTimeout(timer)
    timer = undefined
  }

  function invoke(time: number): ReturnType<F> | undefined {
    const args = lastArgs as Parameters<F>
    const thisArg = lastThis
    // Reset before calling: if fn throws, nothing stale is left to re-run and the next call works.
    lastArgs = undefined
    lastThis = undefined
    lastInvokeTime = time
    try {
      result = fn.apply(thisArg, args) as ReturnType<F>
    } catch (error) {
      if (onError === undefined) throw error
      onError(error)
    }
    return result
  }

  function shouldInvoke(time: number): boolean {
    if (lastCallTime === undefined) return true
    const sinceCall = time - lastCallTime
    // sinceCall < 0: the clock went backwards (system time changed); start over rather than stall.
    return sinceCall >= wait || sinceCall < 0 || (maxing && time - lastInvokeTime >= maxWait)
  }

  function remainingWait(time: number): number {
    const waitLeft = wait - (time - (lastCallTime as number))
    return maxing ? Math.min(waitLeft, maxWait - (time - lastInvokeTime)) : waitLeft
  }

  function leadingEdge(time: number): ReturnType<F> | undefined {
    // The maxWait clock starts at the first call of a burst, whether or not it invokes.
    lastInvokeTime = time
    startTimer(wait)
    return leading ? invoke(time) : result
  }

  function trailingEdge(time: number): ReturnType<F> | undefined {
    stopTimer()
    if (trailing && lastArgs !== undefined) return invoke(time)
    lastArgs = undefined
    lastThis = undefined
    return result
  }

  function timerExpired(): void {
    // This timer has fired: forget it first, so a throwing fn cannot leave a phantom timer behind.
    timerRunning = false
    timer = undefined
    const time = timers.now()
    if (shouldInvoke(time)) {
      trailingEdge(time)
      return
    }
    // Calls kept coming: wait for the rest of the quiet period (or until maxWait) instead of
    // re-arming on every call, which keeps a call O(1) with no timer churn.
    startTimer(remainingWait(time))
  }

  function debounced(this: ThisParameterType<F>, ...args: Parameters<F>): ReturnType<F> | undefined {
    const time = timers.now()
    const isInvoking = shouldInvoke(time)
    lastArgs = args
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrapped function is called later with the caller's `this`
    lastThis = this
    lastCallTime = time
    if (isInvoking) {
      if (!timerRunning) return leadingEdge(time)
      if (maxing) {
        // A tight loop reached maxWait before the timer could fire: run now, start a new wait.
        stopTimer()
        startTimer(wait)
        return invoke(time)
      }
    }
    if (!timerRunning) startTimer(wait)
    return result
  }

  debounced.cancel = (): void => {
    stopTimer()
    lastInvokeTime = 0
    lastArgs = undefined
    lastThis = undefined
    lastCallTime = undefined
  }

  debounced.flush = (): ReturnType<F> | undefined => (timerRunning ? trailingEdge(timers.now()) : result)

  debounced.pending = (): boolean => timerRunning && trailing && lastArgs !== undefined

  return debounced
}
