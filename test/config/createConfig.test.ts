import { afterEach, describe, expect, it, vi } from 'vitest'
import { createConfig } from '../../src/config/createConfig'
import { defaultConfig } from '../../src/config/defaults'
import { RealtimeConfigError } from '../../src/config/validateConfig'
import type { ConfigPath, RealtimeConfigInput } from '../../src/config/types'

afterEach(() => {
  vi.unstubAllEnvs()
})

const allPaths = Object.entries(defaultConfig).flatMap(([section, options]) =>
  Object.keys(options as object).map((key) => `${section}.${key}` as ConfigPath),
)

function deepFreezeInput<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreezeInput(child)
    Object.freeze(value)
  }
  return value
}

describe('createConfig: resolution', () => {
  it('returns the defaults when given nothing', () => {
    const config = createConfig(undefined, { environment: 'development' })
    expect(config.values).toStrictEqual(defaultConfig)
    expect(createConfig({}).values).toStrictEqual(defaultConfig)
  })

  it('deep-merges per section and keeps every untouched default', () => {
    const config = createConfig({
      websocket: { URL: 'wss://api.example.com/live', RECONNECT_ATTEMPTS: 0 },
      updates: { DEDUPLICATION: false },
    })
    expect(config.values).toStrictEqual({
      ...defaultConfig,
      websocket: { ...defaultConfig.websocket, URL: 'wss://api.example.com/live', RECONNECT_ATTEMPTS: 0 },
      updates: { ...defaultConfig.updates, DEDUPLICATION: false },
    })
  })

  it('treats options and sections set to undefined as not set', () => {
    const config = createConfig({ websocket: { URL: undefined, RECONNECT_DELAY: 50 }, optimistic: undefined })
    expect(config.getConfig('websocket.URL')).toBe(defaultConfig.websocket.URL)
    expect(config.getConfig('websocket.RECONNECT_DELAY')).toBe(50)
    expect(config.values.optimistic).toStrictEqual(defaultConfig.optimistic)
  })

  it('applies environment overrides only in their environment, on top of the base overrides', () => {
    const input: RealtimeConfigInput = {
      websocket: { URL: 'ws://base.example/ws', RECONNECT_ATTEMPTS: 7 },
      environments: {
        production: { websocket: { URL: 'wss://prod.example/ws' }, features: { ENABLE_BACKGROUND_SYNC: false } },
        test: { websocket: { AUTO_CONNECT: false } },
      },
    }
    const production = createConfig(input, { environment: 'production' })
    expect(production.environment).toBe('production')
    expect(production.getConfig('websocket.URL')).toBe('wss://prod.example/ws')
    expect(production.getConfig('websocket.RECONNECT_ATTEMPTS')).toBe(7)
    expect(production.getConfig('websocket.AUTO_CONNECT')).toBe(true)
    expect(production.isFeatureEnabled('ENABLE_BACKGROUND_SYNC')).toBe(false)

    const test = createConfig(input, { environment: 'test' })
    expect(test.getConfig('websocket.URL')).toBe('ws://base.example/ws')
    expect(test.getConfig('websocket.AUTO_CONNECT')).toBe(false)
    expect(test.isFeatureEnabled('ENABLE_BACKGROUND_SYNC')).toBe(true)

    const development = createConfig(input, { environment: 'development' })
    expect(development.getConfig('websocket.URL')).toBe('ws://base.example/ws')
    expect(development.getConfig('websocket.AUTO_CONNECT')).toBe(true)
    expect(development.values).not.toHaveProperty('environments')
  })

  it('uses NODE_ENV when no environment is given', () => {
    const input: RealtimeConfigInput = { environments: { production: { updates: { BATCH_SIZE: 500 } } } }
    vi.stubEnv('NODE_ENV', 'production')
    const production = createConfig(input)
    expect(production.environment).toBe('production')
    expect(production.getConfig('updates.BATCH_SIZE')).toBe(500)
    vi.stubEnv('NODE_ENV', 'staging')
    expect(createConfig(input).environment).toBe('development')
    expect(createConfig(input).getConfig('updates.BATCH_SIZE')).toBe(50)
  })

  it('lets options.environment win over NODE_ENV', () => {
    vi.stubEnv('NODE_ENV', 'production')
    expect(createConfig({}, { environment: 'test' }).environment).toBe('test')
    expect(createConfig({}, {}).environment).toBe('production')
    expect(createConfig({}, { environment: undefined }).environment).toBe('production')
  })

  it('never mutates its input, and accepts a deep-frozen one', () => {
    const input: RealtimeConfigInput = {
      websocket: { URL: 'ws://a.example/ws', RECONNECT_DELAY: 10 },
      features: { ENABLE_WEBSOCKET: false },
      environments: { test: { websocket: { RECONNECT_DELAY: 20 } }, production: undefined },
    }
    const before = structuredClone(input)
    createConfig(input, { environment: 'test' })
    expect(input).toStrictEqual(before)

    const frozen = deepFreezeInput(structuredClone(input))
    expect(createConfig(frozen, { environment: 'test' }).getConfig('websocket.RECONNECT_DELAY')).toBe(20)
  })

  it('does not share objects with the input or the defaults', () => {
    const websocket = { URL: 'ws://a.example/ws' }
    const config = createConfig({ websocket })
    expect(config.values.websocket).not.toBe(websocket)
    expect(config.values.websocket).not.toBe(defaultConfig.websocket)
    websocket.URL = 'ws://changed.example/ws'
    expect(config.getConfig('websocket.URL')).toBe('ws://a.example/ws')
    expect(defaultConfig.websocket.URL).toBe('ws://localhost:3000/ws')
  })

  it('returns a deep-frozen result', () => {
    const config = createConfig({ websocket: { RECONNECT_DELAY: 5 } })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.values)).toBe(true)
    for (const section of Object.values(config.values)) expect(Object.isFrozen(section)).toBe(true)
    expect(() => {
      ;(config.values.websocket as { RECONNECT_DELAY: number }).RECONNECT_DELAY = 1
    }).toThrow(TypeError)
    expect(() => {
      ;(config as { environment: string }).environment = 'production'
    }).toThrow(TypeError)
  })

  // The merged result of every environment is checked, so a production-only mistake fails everywhere.
  it('rejects a configuration that is invalid in another environment', () => {
    const input: RealtimeConfigInput = { environments: { production: { websocket: { RECONNECT_DELAY: 60_000 } } } }
    expect(() => createConfig(input, { environment: 'development' })).toThrow(
      /config option "websocket\.RECONNECT_MAX_DELAY" must be >= "websocket\.RECONNECT_DELAY" \(60000\), got 30000 \(in the "production" environment\)/,
    )
  })
})

describe('getConfig', () => {
  const config = createConfig(
    { optimistic: { CONFLICT_RESOLUTION: 'MERGE' }, backgroundSync: { MAX_RETRIES: 0 } },
    { environment: 'test' },
  )

  it('returns the value at every known path', () => {
    expect(allPaths).toHaveLength(31)
    for (const path of allPaths) {
      const [section, key] = path.split('.') as [keyof typeof config.values, string]
      expect(config.getConfig(path), path).toBe((config.values[section] as unknown as Record<string, unknown>)[key])
    }
    expect(config.getConfig('optimistic.CONFLICT_RESOLUTION')).toBe('MERGE')
    expect(config.getConfig('backgroundSync.MAX_RETRIES')).toBe(0)
    expect(config.getConfig('websocket.URL')).toBe('ws://localhost:3000/ws')
  })

  it('works when destructured', () => {
    const { getConfig, isFeatureEnabled } = config
    expect(getConfig('updates.BATCH_SIZE')).toBe(50)
    expect(isFeatureEnabled('ENABLE_WEBSOCKET')).toBe(true)
  })

  it('throws a TypeError naming the API, the path and the known options for an unknown option', () => {
    const call = () => config.getConfig('websocket.URLL' as ConfigPath)
    expect(call).toThrow(TypeError)
    expect(call).toThrow(
      /^rtk-realtime: getConfig\("websocket\.URLL"\): unknown config path\. Known paths in "websocket": URL, RECONNECT_ATTEMPTS, RECONNECT_DELAY, .*AUTO_CONNECT$/,
    )
  })

  it.each([
    ['websokcet.URL', '"websokcet\\.URL"'],
    ['websocket', '"websocket"'],
    ['', '""'],
    ['.URL', '"\\.URL"'],
    ['__proto__.polluted', '"__proto__\\.polluted"'],
    ['constructor.name', '"constructor\\.name"'],
    ['toString.length', '"toString\\.length"'],
  ])('throws for the path %j, listing the known sections', (path, shown) => {
    expect(() => config.getConfig(path as ConfigPath)).toThrow(
      new RegExp(`^rtk-realtime: getConfig\\(${shown}\\): unknown config path\\..*known sections: websocket, optimistic, backgroundSync, updates, features$`),
    )
  })

  it.each([
    ['websocket.__proto__', /getConfig\("websocket\.__proto__"\): unknown config path/],
    ['websocket.constructor', /getConfig\("websocket\.constructor"\): unknown config path/],
    ['websocket.hasOwnProperty', /getConfig\("websocket\.hasOwnProperty"\): unknown config path/],
    ['websocket.URL.length', /getConfig\("websocket\.URL\.length"\): unknown config path/],
  ])('never reads inherited properties (%s)', (path, message) => {
    expect(() => config.getConfig(path as ConfigPath)).toThrow(message)
  })

  it('throws for a path that is not a string', () => {
    expect(() => config.getConfig(42 as unknown as ConfigPath)).toThrow(/^rtk-realtime: getConfig\(42\): unknown config path/)
  })
})

describe('isFeatureEnabled', () => {
  it('reports each flag', () => {
    const config = createConfig({ features: { ENABLE_OPTIMISTIC_UPDATES: false } }, { environment: 'test' })
    expect(config.isFeatureEnabled('ENABLE_WEBSOCKET')).toBe(true)
    expect(config.isFeatureEnabled('ENABLE_OPTIMISTIC_UPDATES')).toBe(false)
    expect(config.isFeatureEnabled('ENABLE_BACKGROUND_SYNC')).toBe(true)
  })

  it.each(['ENABLE_WEBSOCKETS', '__proto__', 'constructor', 'toString', ''])(
    'throws a TypeError naming the API, the flag %j and the known flags',
    (flag) => {
      const call = () => createConfig().isFeatureEnabled(flag as 'ENABLE_WEBSOCKET')
      expect(call).toThrow(TypeError)
      expect(call).toThrow(
        new RegExp(
          `^rtk-realtime: isFeatureEnabled\\(${JSON.stringify(flag)}\\): unknown feature flag\\. ` +
            'Known flags: ENABLE_WEBSOCKET, ENABLE_OPTIMISTIC_UPDATES, ENABLE_BACKGROUND_SYNC$',
        ),
      )
    },
  )
})

describe('createConfig options', () => {
  it.each([
    ['staging', '"staging"'],
    ['Production', '"Production"'],
    [null, 'null'],
    [1, '1'],
  ])('rejects environment %j with an error naming createConfig and the option', (environment, shown) => {
    const call = () => createConfig({}, { environment: environment as 'test' })
    expect(call).toThrow(RealtimeConfigError)
    expect(call).toThrow(
      new RegExp(`^rtk-realtime: createConfig option "environment" must be one of development, production, test, got ${shown}$`),
    )
  })

  it('rejects unknown options and non-object options', () => {
    expect(() => createConfig({}, { env: 'production' } as never)).toThrow(
      /^rtk-realtime: unknown createConfig option "env" \(value: "production"\)\. Known options: environment$/,
    )
    expect(() => createConfig({}, 'production' as never)).toThrow(
      /^rtk-realtime: createConfig options must be a plain object, got "production"$/,
    )
  })
})
