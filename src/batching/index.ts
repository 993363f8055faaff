/**
 * Batching building blocks: the inbound update batcher and the debounce/throttle utilities.
 * Pure apart from the injected timers; the middleware in front of the reducers wires them up.
 */
export { createUpdateBatcher, RAF_FALLBACK_DELAY } from './createUpdateBatcher'
export type {
  BatchMode,
  CoalescedUpdate,
  EntityUpdate,
  FlushStats,
  UpdateBatcher,
  UpdateBatcherOptions,
} from './types'
export { debounce } from './debounce'
export type { AnyFunction, Debounced, DebounceOptions } from './debounce'
export { throttle } from './throttle'
export type { Throttled, ThrottleOptions } from './throttle'
