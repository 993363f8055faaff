import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createConfig } from '../../src/config/createConfig'
import { defaultConfig } from '../../src/config/defaults'
import { MAX_TIMER_DELAY } from '../../src/config/optionRules'
import { RealtimeConfigError } from '../../src/config/validateConfig'
import type { ConfigPath, Environment, RealtimeConfig, RealtimeConfigOverrides } from '../../src/config/types'

// Small values dominate so the cross-option rule (cap >= base delay) holds often enough.
const duration = fc.oneof(
  fc.constantFrom(0, 1, 1000, 30_000),
  fc.integer({ min: 0, max: 120_000 }),
  fc.double({ min: 0, max: MAX_TIMER_DELAY, noNaN: true }),
)
const positiveDuration = fc.oneof(fc.integer({ min: 1, max: 120_000 }), fc.double({ min: 0.001, max: MAX_TIMER_DELAY, noNaN: true }))
const count = fc.nat({ max: 10_000 })
const atLeastOne = fc.integer({ min: 1, max: 10_000_000 })
const url = fc.constantFrom('ws://localhost:1/ws', 'wss://api.example.com/live?t=1', 'ws://[::1]:8080', 'wss://x.example')

/** A valid value for every option; the mapped type makes a forgotten option a compile error. */
const optionArbitraries: { [S in keyof RealtimeConfig]: { [K in keyof RealtimeConfig[S]]: fc.Arbitrary<RealtimeConfig[S][K]> } } = {
  websocket: {
    URL: url,
    RECONNECT_ATTEMPTS: count,
    RECONNECT_DELAY: duration,
    RECONNECT_MAX_DELAY: duration,
    RECONNECT_JITTER: fc.double({ min: 0, max: 1, noNaN: true }),
    CONNECT_TIMEOUT: positiveDuration,
    HEARTBEAT_INTERVAL: duration,
    PONG_TIMEOUT: positiveDuration,
    WAKE_CHECK_INTERVAL: duration,
    REQUEST_TIMEOUT: duration,
    MAX_FRAME_BYTES: atLeastOne,
    MAX_BUFFERED_SENDS: count,
    AUTO_CONNECT: fc.boolean(),
  },
  optimistic: {
    TIMEOUT: duration,
    MAX_PENDING: count,
    CONFLICT_RESOLUTION: fc.constantFrom('REMOTE_WINS', 'LOCAL_WINS', 'MERGE'),
    SYNC_INTERVAL: duration,
  },
  backgroundSync: { SYNC_INTERVAL: duration, WIDGET_REFRESH: duration, MAX_OUTBOX_SIZE: count, MAX_RETRIES: count, RETRY_DELAY: duration, RETRY_MAX_DELAY: duration },
  updates: { BATCH_SIZE: atLeastOne, BATCH_DELAY: duration, DEBOUNCE_DELAY: duration, DEDUPLICATION: fc.boolean(), BATCH_MODE: fc.constantFrom('auto', 'window', 'raf', 'off') },
  features: { ENABLE_WEBSOCKET: fc.boolean(), ENABLE_OPTIMISTIC_UPDATES: fc.boolean(), ENABLE_BACKGROUND_SYNC: fc.boolean() },
}

const sectionArbitraries = Object.fromEntries(
  Object.entries(optionArbitraries).map(([section, options]) => [
    section,
    fc.record(options as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] }),
  ]),
) as Record<string, fc.Arbitrary<Record<string, unknown>>>

const overridesArb = fc.record(sectionArbitraries, { requiredKeys: [] }) as fc.Arbitrary<RealtimeConfigOverrides>
const environmentArb = fc.constantFrom<Environment>('development', 'production', 'test')

const paths = Object.entries(defaultConfig).flatMap(([section, options]) =>
  Object.keys(options as object).map((key) => [section, key, `${section}.${key}` as ConfigPath] as const),
)

const at = (overrides: RealtimeConfigOverrides | undefined, section: string, key: string): unknown =>
  (overrides as Record<string, Record<string, unknown> | undefined> | undefined)?.[section]?.[key]

const capHolds = (...layers: (RealtimeConfigOverrides | undefined)[]) => {
  const pick = (key: 'RECONNECT_DELAY' | 'RECONNECT_MAX_DELAY') =>
    layers.reduce<number>((value, layer) => (layer?.websocket?.[key] as number | undefined) ?? value, defaultConfig.websocket[key])
  return pick('RECONNECT_MAX_DELAY') >= pick('RECONNECT_DELAY')
}

describe('createConfig properties', () => {
  it('getConfig(path) is the override, or else the default, for random valid overrides', () => {
    fc.assert(
      fc.property(overridesArb, environmentArb, (overrides, environment) => {
        fc.pre(capHolds(overrides))
        const config = createConfig(overrides, { environment })
        for (const [section, key, path] of paths) {
          expect(config.getConfig(path)).toBe(at(overrides, section, key) ?? at(defaultConfig, section, key))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('the environment layer wins over the base layer, which wins over the defaults; the input is untouched', () => {
    fc.assert(
      fc.property(
        overridesArb,
        fc.record({ development: overridesArb, production: overridesArb, test: overridesArb }, { requiredKeys: [] }),
        environmentArb,
        (base, environments, environment) => {
          fc.pre(capHolds(base) && (['development', 'production', 'test'] as const).every((e) => capHolds(base, environments[e])))
          const input = { ...base, environments }
          const before = structuredClone(input)
          const config = createConfig(input, { environment })
          for (const [section, key, path] of paths) {
            const expected = at(environments[environment], section, key) ?? at(base, section, key) ?? at(defaultConfig, section, key)
            expect(config.getConfig(path)).toBe(expected)
          }
          // toEqual: fast-check builds some records with a null prototype, which structuredClone does not keep.
          expect(input).toEqual(before)
        },
      ),
      { numRuns: 200 },
    )
  })

  // Whatever a user (or a JSON file) puts in an option, the outcome is the value or a RealtimeConfigError
  // about that option: never another exception, never a polluted prototype.
  it('any value for an option is either accepted as is or rejected with a RealtimeConfigError naming it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true }), ([section, key, path], value) => {
        let result: unknown
        try {
          result = createConfig({ [section]: { [key]: value } } as never, { environment: 'test' }).getConfig(path)
        } catch (error) {
          expect(error).toBeInstanceOf(RealtimeConfigError)
          const { option, message } = error as RealtimeConfigError
          // A valid base delay above the default cap fails the cross-option rule, which names the cap.
          const breaksCap =
            path === 'websocket.RECONNECT_DELAY' &&
            typeof value === 'number' &&
            value > defaultConfig.websocket.RECONNECT_MAX_DELAY &&
            value <= MAX_TIMER_DELAY
          const expectedOption = breaksCap ? 'websocket.RECONNECT_MAX_DELAY' : path
          expect(option).toBe(expectedOption)
          expect(message).toContain(`"${path}"`)
          expect(message.startsWith('rtk-realtime: ')).toBe(true)
          return
        }
        expect(result).toBe(value === undefined ? at(defaultConfig, section, key) : value)
        expect(Object.prototype).not.toHaveProperty('polluted')
      }),
      { numRuns: 500 },
    )
  })

  it('any input at all is either accepted or rejected with a RealtimeConfigError', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true }), (input) => {
        try {
          createConfig(input as never, { environment: 'test' })
        } catch (error) {
          expect(error).toBeInstanceOf(RealtimeConfigError)
          expect((error as Error).message.startsWith('rtk-realtime: ')).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })
})
