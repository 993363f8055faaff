import { describe, expectTypeOf, it } from 'vitest'
import { createConfig } from '../../src/config/createConfig'
import type { ResolvedConfig } from '../../src/config/createConfig'
import { defaultConfig } from '../../src/config/defaults'
import { RealtimeConfigError } from '../../src/config/validateConfig'
import type { ConflictResolution, Environment, RealtimeConfig } from '../../src/config/types'

describe('config types', () => {
  const config = createConfig()

  it('types getConfig by path', () => {
    expectTypeOf(config.getConfig('websocket.URL')).toEqualTypeOf<string>()
    expectTypeOf(config.getConfig('websocket.RECONNECT_ATTEMPTS')).toEqualTypeOf<number>()
    expectTypeOf(config.getConfig('features.ENABLE_WEBSOCKET')).toEqualTypeOf<boolean>()
    expectTypeOf(config.getConfig('optimistic.CONFLICT_RESOLUTION')).toEqualTypeOf<ConflictResolution>()
  })

  it('rejects unknown paths and flags at compile time', () => {
    // @ts-expect-error: not an option
    config.getConfig('websocket.URLL')
    // @ts-expect-error: an option of another section
    config.getConfig('updates.MAX_RETRIES')
    // @ts-expect-error: a section is not a path
    config.getConfig('websocket')
    // @ts-expect-error: not a flag
    config.isFeatureEnabled('ENABLE_EVERYTHING')
  })

  it('types the input and the result', () => {
    expectTypeOf(createConfig).toBeCallableWith()
    expectTypeOf(createConfig).toBeCallableWith({ websocket: { URL: 'ws://x' } }, { environment: 'production' })
    expectTypeOf(createConfig).toBeCallableWith({ environments: { test: { updates: { BATCH_SIZE: 1 } } } })
    // @ts-expect-error: unknown option
    createConfig({ websocket: { URLL: 'ws://x' } })
    // @ts-expect-error: wrong value type
    createConfig({ websocket: { RECONNECT_DELAY: '1000' } })
    // @ts-expect-error: unknown environment
    createConfig({}, { environment: 'staging' })
    expectTypeOf(config).toEqualTypeOf<ResolvedConfig>()
    expectTypeOf(config.values).toEqualTypeOf<RealtimeConfig>()
    expectTypeOf(config.environment).toEqualTypeOf<Environment>()
    expectTypeOf(defaultConfig).toEqualTypeOf<RealtimeConfig>()
    expectTypeOf<RealtimeConfigError>().toExtend<TypeError>()
    expectTypeOf<RealtimeConfigError['option']>().toEqualTypeOf<string>()
  })
})
