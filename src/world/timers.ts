/** An opaque handle returned by {@link TimerProvider.setTimeout}. */
export type TimerHandle = unknown

/**
 * The clock and timers the package uses, injected so tests control time.
 * Everything that waits (backoff, heartbeat, timeouts) goes through one of these.
 */
export interface TimerProvider {
  setTimeout(callback: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number
}

/**
 * Timers backed by the globals. The globals are looked up on every call, not captured, so fake
 * timers installed after the store was created (`vi.useFakeTimers()`) still take effect.
 */
export const defaultTimers: TimerProvider = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
}
