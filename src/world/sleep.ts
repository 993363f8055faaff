import { eventChannel, type SagaIterator } from 'redux-saga'
import { take } from 'redux-saga/effects'
import type { TimerProvider } from './timers'

/**
 * Waits `ms` on the injected timers; use it as `call(sleep, timers, ms)`. The wait is a channel
 * the timer emits into, not a promise, so the saga resumes inside the timer callback itself:
 * advancing fake timers synchronously (`vi.advanceTimersByTime`) moves the saga at once. When the
 * wait loses a `race` or its task is cancelled, closing the channel clears the timer.
 */
export function* sleep(timers: TimerProvider, ms: number): SagaIterator<true> {
  const elapsed = eventChannel<true>((emit) => {
    const handle = timers.setTimeout(() => emit(true), ms)
    return () => timers.clearTimeout(handle)
  })
  try {
    return (yield take(elapsed)) as true
  } finally {
    elapsed.close()
  }
}
