import type { TimerProvider } from '../world/timers'
import { debounce } from './debounce'
import type { AnyFunction, Debounced } from './debounce'

/** Options of {@link throttle}. */
export interface ThrottleOptions {
  /** Clock and timers, injected so tests control time. @default defaultTimers (the globals) */
  timers?: TimerProvider
  /** Run the first call of a burst at once. @default true */
  leading?: boolean
  /** Run once more at the end of each `wait` window with the last arguments, if called during it. @default true */
  trailing?: boolean
  /** Receives whatever `fn` throws; see {@link DebounceOptions.onError}. @default undefined (throws propagate) */
  onError?: (error: unknown) => void
}

/** A throttled function; the same shape as a debounced one. */
export type Throttled<F extends AnyFunction> = Debounced<F>

/**
 * Runs `fn` at most once per `wait` ms while calls keep coming, with lodash's semantics: it is a
 * debounce whose `maxWait` equals `wait`, so the two can never drift apart in edge cases.
 *
 * @example
 * const report = throttle((x: number) => dispatch(cursorMoved(x)), 50)
 */
export function throttle<F extends AnyFunction>(fn: F, wait: number, options: ThrottleOptions = {}): Throttled<F> {
  const { timers, leading = true, trailing = true, onError } = options
  return debounce(fn, wait, { timers, leading, trailing, maxWait: wait, onError })
}
