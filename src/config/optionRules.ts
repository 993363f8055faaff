import { deepFreeze } from './deepFreeze'
import type { ConflictResolution, RealtimeConfig } from './types'

/**
 * Checks one option value. Returns what the value must be (e.g. `'must be a boolean'`) when it
 * fails, or `undefined` when it passes; the caller adds the option path and the value.
 */
export type OptionRule = (value: unknown) => string | undefined

/** A rule for every option of every section; the mapped type makes a forgotten option a compile error. */
export type OptionRules = {
  readonly [S in keyof RealtimeConfig]: { readonly [K in keyof RealtimeConfig[S]]: OptionRule }
}

/**
 * Longest delay timers honour: `setTimeout` in Node and browsers treats anything above
 * 2^31 − 1 ms as 1 ms, so a "very long" interval would turn into a busy loop.
 */
export const MAX_TIMER_DELAY = 2_147_483_647

/** The conflict strategies config may name, in the order error messages list them. */
export const CONFLICT_RESOLUTIONS = [
  'REMOTE_WINS',
  'LOCAL_WINS',
  'MERGE',
] as const satisfies readonly ConflictResolution[]

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)

const tooLongForTimers = `must be at most ${MAX_TIMER_DELAY} ms (the longest delay timers support)`

/** Delays, intervals and timeouts where 0 is meaningful (off, or immediately). */
const duration: OptionRule = (value) => {
  if (!isFiniteNumber(value) || value < 0) return 'must be a non-negative number'
  return value > MAX_TIMER_DELAY ? tooLongForTimers : undefined
}

/** Timeouts where 0 would fail every attempt at once. */
const positiveDuration: OptionRule = (value) => {
  if (!isFiniteNumber(value) || value <= 0) return 'must be a positive number'
  return value > MAX_TIMER_DELAY ? tooLongForTimers : undefined
}

/** Limits where 0 is meaningful (no retries, nothing buffered). */
const count: OptionRule = (value) =>
  Number.isInteger(value) && (value as number) >= 0 ? undefined : 'must be a non-negative integer'

/** Sizes where 0 would make the feature unusable (an empty batch, no frame fits). */
const atLeastOne: OptionRule = (value) =>
  Number.isInteger(value) && (value as number) >= 1 ? undefined : 'must be an integer >= 1'

const ratio: OptionRule = (value) =>
  isFiniteNumber(value) && value >= 0 && value <= 1 ? undefined : 'must be a number between 0 and 1'

const boolean: OptionRule = (value) => (typeof value === 'boolean' ? undefined : 'must be a boolean')

const webSocketUrl: OptionRule = (value) => {
  const invalid = 'must be a ws:// or wss:// URL'
  if (typeof value !== 'string') return invalid
  let protocol: string
  try {
    protocol = new URL(value).protocol
  } catch {
    return invalid
  }
  return protocol === 'ws:' || protocol === 'wss:' ? undefined : invalid
}

const BATCH_MODES = ['auto', 'window', 'raf', 'off'] as const
const batchMode: OptionRule = (value) =>
  (BATCH_MODES as readonly unknown[]).includes(value) ? undefined : `must be one of ${BATCH_MODES.join(', ')}`

const conflictResolution: OptionRule = (value) =>
  (CONFLICT_RESOLUTIONS as readonly unknown[]).includes(value)
    ? undefined
    : `must be one of ${CONFLICT_RESOLUTIONS.join(', ')}`

/**
 * The rule of every option, in the declaration order of `./types` (error messages list known
 * options in this order). Cross-option rules live in `validateConfig`.
 */
export const optionRules: OptionRules = deepFreeze({
  websocket: {
    URL: webSocketUrl,
    RECONNECT_ATTEMPTS: count,
    RECONNECT_DELAY: duration,
    RECONNECT_MAX_DELAY: duration,
    RECONNECT_JITTER: ratio,
    CONNECT_TIMEOUT: positiveDuration,
    HEARTBEAT_INTERVAL: duration,
    PONG_TIMEOUT: positiveDuration,
    WAKE_CHECK_INTERVAL: duration,
    REQUEST_TIMEOUT: duration,
    MAX_FRAME_BYTES: atLeastOne,
    MAX_BUFFERED_SENDS: count,
    AUTO_CONNECT: boolean,
  },
  optimistic: {
    TIMEOUT: duration,
    MAX_PENDING: count,
    CONFLICT_RESOLUTION: conflictResolution,
    SYNC_INTERVAL: duration,
  },
  backgroundSync: {
    SYNC_INTERVAL: duration,
    WIDGET_REFRESH: duration,
    MAX_OUTBOX_SIZE: count,
    MAX_RETRIES: count,
    RETRY_DELAY: duration,
    RETRY_MAX_DELAY: duration,
  },
  updates: {
    BATCH_SIZE: atLeastOne,
    BATCH_DELAY: duration,
    DEBOUNCE_DELAY: duration,
    DEDUPLICATION: boolean,
    BATCH_MODE: batchMode,
  },
  features: {
    ENABLE_WEBSOCKET: boolean,
    ENABLE_OPTIMISTIC_UPDATES: boolean,
    ENABLE_BACKGROUND_SYNC: boolean,
  },
})

/** The config sections, in declaration order. */
export const CONFIG_SECTIONS = Object.freeze(Object.keys(optionRules)) as readonly (keyof RealtimeConfig)[]

/** True when `name` is one of {@link CONFIG_SECTIONS}; a list lookup, so `__proto__` and friends never match. */
export function isConfigSection(name: unknown): name is keyof RealtimeConfig {
  return (CONFIG_SECTIONS as readonly unknown[]).includes(name)
}

/** The option names of one section, in declaration order. */
export function optionNames(section: keyof RealtimeConfig): readonly string[] {
  return Object.keys(optionRules[section])
}
