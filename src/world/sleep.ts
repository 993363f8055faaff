import { CANCEL } from 'redux-saga'
import type { TimerProvider } from './timers'

/**
 * A promise that resolves after `ms` on the injected timers. redux-saga calls its `[CANCEL]`
 * when the waiting effect loses a `race` or its task is cancelled, so no timer outlives its saga.
 */
export function sleep(timers: TimerProvider, ms: number): Promise<true> {
  let handle: unknown
  const promise = new Promise<true>((resolve) => {
    handle = timers.setTimeout(() => resolve(true), ms)
  })
  ;(promise as unknown as Record<string, unknown>)[CANCEL] = () => timers.clearTimeout(handle)
  return promise
}
