import { describe, expect, it } from 'vitest'
import { createConfig } from '../../src/config/createConfig'
import { defaultConfig } from '../../src/config/defaults'
import { MAX_TIMER_DELAY } from '../../src/config/optionRules'
import { RealtimeConfigError, validateConfig, validateConfigInput } from '../../src/config/validateConfig'

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Runs `fn`, expecting a RealtimeConfigError, and returns it. */
function configError(fn: () => unknown): RealtimeConfigError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(RealtimeConfigError)
    expect(error).toBeInstanceOf(TypeError)
    return error as RealtimeConfigError
  }
  throw new Error('expected a RealtimeConfigError, nothing was thrown')
}

/** Builds `{ section: { KEY: value } }` from a dotted path. */
function inputAt(path: string, value: unknown): never {
  const [section = '', key = ''] = path.split('.')
  return { [section]: { [key]: value } } as never
}

type Case = { requirement: string; paths: string[]; invalid: [unknown, string][]; valid: unknown[] }

const notNumbers: [unknown, string][] = [
  [Number.NaN, 'NaN'],
  [Number.POSITIVE_INFINITY, 'Infinity'],
  [Number.NEGATIVE_INFINITY, '-Infinity'],
  ['1000', '"1000"'],
  [null, 'null'],
  [true, 'true'],
  [[1], '[1]'],
  [10n, '10n'],
]

const cases: Case[] = [
  {
    requirement: 'must be a non-negative number',
    paths: [
      'websocket.RECONNECT_DELAY',
      'websocket.RECONNECT_MAX_DELAY',
      'websocket.HEARTBEAT_INTERVAL',
      'websocket.WAKE_CHECK_INTERVAL',
      'websocket.REQUEST_TIMEOUT',
      'optimistic.TIMEOUT',
      'optimistic.SYNC_INTERVAL',
      'backgroundSync.SYNC_INTERVAL',
      'backgroundSync.WIDGET_REFRESH',
      'backgroundSync.RETRY_DELAY',
      'backgroundSync.RETRY_MAX_DELAY',
      'updates.BATCH_DELAY',
      'updates.DEBOUNCE_DELAY',
    ],
    invalid: [[-5, '-5'], [-0.001, '-0.001'], ...notNumbers],
    valid: [0, 0.5, 25, 30_000],
  },
  {
    requirement: 'must be a positive number',
    paths: ['websocket.CONNECT_TIMEOUT', 'websocket.PONG_TIMEOUT'],
    invalid: [[0, '0'], [-0, '-0'], [-1, '-1'], ...notNumbers],
    valid: [0.5, 1, 10_000],
  },
  {
    requirement: 'must be a non-negative integer',
    paths: [
      'websocket.RECONNECT_ATTEMPTS',
      'websocket.MAX_BUFFERED_SENDS',
      'optimistic.MAX_PENDING',
      'backgroundSync.MAX_OUTBOX_SIZE',
      'backgroundSync.MAX_RETRIES',
    ],
    invalid: [[-1, '-1'], [1.5, '1.5'], ...notNumbers],
    valid: [0, 1, 1000],
  },
  {
    requirement: 'must be an integer >= 1',
    paths: ['updates.BATCH_SIZE', 'websocket.MAX_FRAME_BYTES'],
    invalid: [[0, '0'], [-3, '-3'], [2.5, '2.5'], ...notNumbers],
    valid: [1, 64, 1048576],
  },
  {
    requirement: 'must be a number between 0 and 1',
    paths: ['websocket.RECONNECT_JITTER'],
    invalid: [[-0.1, '-0.1'], [1.01, '1.01'], [50, '50'], ...notNumbers],
    valid: [0, 0.25, 1],
  },
  {
    requirement: 'must be one of auto, window, raf, off',
    paths: ['updates.BATCH_MODE'],
    invalid: [['frame', '"frame"'], [1, '1'], [null, 'null'], [true, 'true']],
    valid: ['auto', 'window', 'raf', 'off'],
  },
  {
    requirement: 'must be a boolean',
    paths: [
      'websocket.AUTO_CONNECT',
      'updates.DEDUPLICATION',
      'features.ENABLE_WEBSOCKET',
      'features.ENABLE_OPTIMISTIC_UPDATES',
      'features.ENABLE_BACKGROUND_SYNC',
    ],
    invalid: [['true', '"true"'], [1, '1'], [0, '0'], [null, 'null'], [{}, '{}']],
    valid: [true, false],
  },
  {
    requirement: 'must be a ws:// or wss:// URL',
    paths: ['websocket.URL'],
    invalid: [
      ['http://example.com', '"http://example.com"'],
      ['https://example.com/ws', '"https://example.com/ws"'],
      ['localhost:3000/ws', '"localhost:3000/ws"'],
      ['/ws', '"/ws"'],
      ['not a url', '"not a url"'],
      ['', '""'],
      [42, '42'],
      [() => 'ws://x', 'function'],
    ],
    valid: ['ws://localhost:3000/ws', 'wss://api.example.com/live?token=abc', 'ws://127.0.0.1:1', 'WSS://EXAMPLE.COM'],
  },
  {
    requirement: 'must be one of REMOTE_WINS, LOCAL_WINS, MERGE',
    paths: ['optimistic.CONFLICT_RESOLUTION'],
    invalid: [['remote_wins', '"remote_wins"'], ['THEIRS', '"THEIRS"'], [0, '0'], [null, 'null']],
    valid: ['REMOTE_WINS', 'LOCAL_WINS', 'MERGE'],
  },
]

describe('validation of option values', () => {
  it('covers every option', () => {
    const covered = cases.flatMap((c) => c.paths).sort()
    const all = Object.entries(defaultConfig)
      .flatMap(([section, options]) => Object.keys(options as object).map((key) => `${section}.${key}`))
      .sort()
    expect(covered).toStrictEqual(all)
  })

  for (const { requirement, paths, invalid, valid } of cases) {
    describe(requirement, () => {
      for (const path of paths) {
        it.each(invalid)(`rejects ${path} = %s`, (value, shown) => {
          const message = new RegExp(`^rtk-realtime: config option "${escape(path)}" ${escape(requirement)}, got ${escape(shown)}$`)
          expect(() => createConfig(inputAt(path, value))).toThrow(message)
          const error = configError(() => createConfig(inputAt(path, value)))
          expect(error.option).toBe(path)
          expect(error.value).toBe(value)
          expect(error.name).toBe('RealtimeConfigError')
        })

        it.each(valid)(`accepts ${path} = %s`, (value) => {
          // Raising the cap keeps the cross-option rule out of the way of large delays.
          const input = inputAt(path, value) as Record<string, Record<string, unknown>>
          if (path === 'websocket.RECONNECT_MAX_DELAY') input.websocket = { ...input.websocket, RECONNECT_DELAY: 0 }
          expect(createConfig(input).getConfig(path as never)).toBe(value)
        })
      }
    })
  }

  it('gives the literal messages from the brief', () => {
    expect(() => createConfig({ websocket: { RECONNECT_DELAY: -5 } })).toThrow(
      /^rtk-realtime: config option "websocket\.RECONNECT_DELAY" must be a non-negative number, got -5$/,
    )
    expect(() => createConfig({ websocket: { URL: 'http://example.com' } })).toThrow(
      /^rtk-realtime: config option "websocket\.URL" must be a ws:\/\/ or wss:\/\/ URL, got "http:\/\/example\.com"$/,
    )
  })

  // setTimeout treats longer delays as 1 ms, which would turn a long interval into a busy loop.
  it('rejects delays longer than timers support', () => {
    expect(() => createConfig({ optimistic: { SYNC_INTERVAL: MAX_TIMER_DELAY + 1 } })).toThrow(
      /^rtk-realtime: config option "optimistic\.SYNC_INTERVAL" must be at most 2147483647 ms \(the longest delay timers support\), got 2147483648$/,
    )
    expect(() => createConfig({ websocket: { PONG_TIMEOUT: 1e12 } })).toThrow(
      /config option "websocket\.PONG_TIMEOUT" must be at most 2147483647 ms .*, got 1000000000000$/,
    )
    expect(createConfig({ optimistic: { SYNC_INTERVAL: MAX_TIMER_DELAY } }).getConfig('optimistic.SYNC_INTERVAL')).toBe(
      MAX_TIMER_DELAY,
    )
  })

  it('truncates a huge value in the message', () => {
    const error = configError(() => createConfig({ websocket: { URL: `http://${'a'.repeat(1000)}` } }))
    expect(error.message).toMatch(/^rtk-realtime: config option "websocket\.URL" must be a ws:\/\/ or wss:\/\/ URL, got "http:\/\/aaa/)
    expect(error.message.length).toBeLessThan(200)
    expect(error.value).toHaveLength(1007)
  })

  it('names the environment path of an invalid environment override', () => {
    const error = configError(() => createConfig({ environments: { production: { updates: { BATCH_SIZE: 0 } } } }))
    expect(error.message).toMatch(/^rtk-realtime: config option "environments\.production\.updates\.BATCH_SIZE" must be an integer >= 1, got 0$/)
    expect(error.option).toBe('environments.production.updates.BATCH_SIZE')
  })
})

describe('websocket.RECONNECT_MAX_DELAY >= websocket.RECONNECT_DELAY', () => {
  it('rejects a cap below the base delay, naming both options and both values', () => {
    const call = () => createConfig({ websocket: { RECONNECT_DELAY: 5000, RECONNECT_MAX_DELAY: 4000 } })
    expect(call).toThrow(
      /^rtk-realtime: config option "websocket\.RECONNECT_MAX_DELAY" must be >= "websocket\.RECONNECT_DELAY" \(5000\), got 4000$/,
    )
    const error = configError(call)
    expect(error.option).toBe('websocket.RECONNECT_MAX_DELAY')
    expect(error.value).toBe(4000)
  })

  it('checks the merged result, so raising only the base delay past the default cap fails', () => {
    expect(() => createConfig({ websocket: { RECONNECT_DELAY: 45_000 } })).toThrow(
      /"websocket\.RECONNECT_MAX_DELAY" must be >= "websocket\.RECONNECT_DELAY" \(45000\), got 30000$/,
    )
  })

  it('accepts an equal cap, and a cap raised in the same environment', () => {
    expect(createConfig({ websocket: { RECONNECT_DELAY: 30_000 } }).getConfig('websocket.RECONNECT_DELAY')).toBe(30_000)
    const config = createConfig(
      { websocket: { RECONNECT_MAX_DELAY: 120_000 }, environments: { test: { websocket: { RECONNECT_DELAY: 60_000 } } } },
      { environment: 'test' },
    )
    expect(config.getConfig('websocket.RECONNECT_DELAY')).toBe(60_000)
  })

  it('names the environment whose overrides broke it', () => {
    expect(() =>
      createConfig({ environments: { test: { websocket: { RECONNECT_MAX_DELAY: 10 } } } }, { environment: 'test' }),
    ).toThrow(/"websocket\.RECONNECT_MAX_DELAY" must be >= "websocket\.RECONNECT_DELAY" \(1000\), got 10 \(in the "test" environment\)$/)
  })
})

describe('unknown options', () => {
  it('rejects an unknown option, listing the known options of its section', () => {
    const call = () => createConfig({ websocket: { URLL: 'ws://x' } } as never)
    expect(call).toThrow(
      /^rtk-realtime: unknown config option "websocket\.URLL" \(value: "ws:\/\/x"\)\. Known options in "websocket": URL, RECONNECT_ATTEMPTS, RECONNECT_DELAY, RECONNECT_MAX_DELAY, RECONNECT_JITTER, CONNECT_TIMEOUT, HEARTBEAT_INTERVAL, PONG_TIMEOUT, WAKE_CHECK_INTERVAL, REQUEST_TIMEOUT, MAX_FRAME_BYTES, MAX_BUFFERED_SENDS, AUTO_CONNECT$/,
    )
    const error = configError(call)
    expect(error.option).toBe('websocket.URLL')
    expect(error.value).toBe('ws://x')
  })

  it('rejects an option that exists in another section', () => {
    expect(() => createConfig({ updates: { MAX_RETRIES: 3 } } as never)).toThrow(
      /^rtk-realtime: unknown config option "updates\.MAX_RETRIES" \(value: 3\)\. Known options in "updates": BATCH_SIZE, BATCH_DELAY, DEBOUNCE_DELAY, DEDUPLICATION, BATCH_MODE$/,
    )
  })

  it('rejects an unknown section, listing the known sections', () => {
    expect(() => createConfig({ websockets: { URL: 'ws://x' } } as never)).toThrow(
      /^rtk-realtime: unknown config option "websockets" \(value: \{"URL":"ws:\/\/x"\}\)\. Known sections: websocket, optimistic, backgroundSync, updates, features, environments$/,
    )
  })

  it('rejects an unknown environment, listing the known ones', () => {
    const call = () => createConfig({ environments: { staging: { websocket: {} } } } as never)
    expect(call).toThrow(
      /^rtk-realtime: unknown config option "environments\.staging" \(value: \{"websocket":\{\}\}\)\. Known environments: development, production, test$/,
    )
    expect(configError(call).option).toBe('environments.staging')
  })

  it('rejects unknown sections and options inside an environment, with the full path', () => {
    expect(() => createConfig({ environments: { test: { socket: {} } } } as never)).toThrow(
      /^rtk-realtime: unknown config option "environments\.test\.socket" \(value: \{\}\)\. Known sections: websocket, optimistic, backgroundSync, updates, features$/,
    )
    expect(() => createConfig({ environments: { test: { websocket: { RETRIES: 1 } } } } as never)).toThrow(
      /^rtk-realtime: unknown config option "environments\.test\.websocket\.RETRIES" \(value: 1\)\. Known options in "websocket": URL,/,
    )
    // Environments do not nest.
    expect(() => createConfig({ environments: { test: { environments: {} } } } as never)).toThrow(
      /unknown config option "environments\.test\.environments" \(value: \{\}\)/,
    )
  })

  it('sees non-enumerable own keys too', () => {
    const websocket = {}
    Object.defineProperty(websocket, 'URLL', { value: 'ws://hidden', enumerable: false })
    expect(() => createConfig({ websocket })).toThrow(/unknown config option "websocket\.URLL" \(value: "ws:\/\/hidden"\)/)

    const hiddenInvalid = {}
    Object.defineProperty(hiddenInvalid, 'RECONNECT_DELAY', { value: -1, enumerable: false })
    expect(() => createConfig({ websocket: hiddenInvalid })).toThrow(/"websocket\.RECONNECT_DELAY" must be a non-negative number, got -1/)
  })
})

describe('sections and containers that are not plain objects', () => {
  it.each([
    ['websocket', 'ws://x', '"ws://x"'],
    ['features', true, 'true'],
    ['updates', [50], '[50]'],
    ['optimistic', null, 'null'],
    ['backgroundSync', new Date(0), '"1970-01-01T00:00:00.000Z"'],
  ])('rejects section %s = %s', (section, value, shown) => {
    const call = () => createConfig({ [section]: value } as never)
    expect(call).toThrow(new RegExp(`^rtk-realtime: config option "${section}" must be a plain object, got ${escape(shown)}$`))
    expect(configError(call).option).toBe(section)
  })

  it('rejects environments and environment overrides that are not plain objects', () => {
    expect(() => createConfig({ environments: 'production' } as never)).toThrow(
      /^rtk-realtime: config option "environments" must be a plain object, got "production"$/,
    )
    expect(() => createConfig({ environments: { test: 1 } } as never)).toThrow(
      /^rtk-realtime: config option "environments\.test" must be a plain object, got 1$/,
    )
    expect(() => createConfig({ environments: { test: { updates: 'fast' } } } as never)).toThrow(
      /^rtk-realtime: config option "environments\.test\.updates" must be a plain object, got "fast"$/,
    )
  })

  it('rejects an input that is not a plain object', () => {
    class Settings {
      websocket = { URL: 'ws://x' }
    }
    for (const [input, shown] of [
      [42, '42'],
      [null, 'null'],
      ['ws://x', '"ws://x"'],
      [new Settings(), '\\{"websocket":\\{"URL":"ws://x"\\}\\}'],
    ] as const) {
      expect(() => createConfig(input as never)).toThrow(new RegExp(`^rtk-realtime: config must be a plain object, got ${shown}$`))
    }
  })

  it('accepts null-prototype objects', () => {
    const websocket = Object.assign(Object.create(null) as object, { RECONNECT_ATTEMPTS: 9 })
    const input = Object.assign(Object.create(null) as object, { websocket })
    expect(createConfig(input).getConfig('websocket.RECONNECT_ATTEMPTS')).toBe(9)
  })
})

describe('prototype pollution', () => {
  it('rejects a JSON __proto__ key at the top level and leaves Object.prototype alone', () => {
    const input = JSON.parse('{"__proto__": {"polluted": 1}}') as object
    const call = () => createConfig(input)
    expect(call).toThrow(
      /^rtk-realtime: unknown config option "__proto__" \(value: \{"polluted":1\}\)\. Known sections: websocket,/,
    )
    expect(configError(call).option).toBe('__proto__')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it.each([
    ['{"websocket": {"__proto__": {"polluted": 1}}}', 'websocket.__proto__'],
    ['{"websocket": {"constructor": {"prototype": {"polluted": 1}}}}', 'websocket.constructor'],
    ['{"constructor": {"prototype": {"polluted": 1}}}', 'constructor'],
    ['{"prototype": {"polluted": 1}}', 'prototype'],
    ['{"features": {"prototype": true}}', 'features.prototype'],
    ['{"environments": {"__proto__": {"websocket": {"URL": "ws://evil"}}}}', 'environments.__proto__'],
    ['{"environments": {"constructor": {}}}', 'environments.constructor'],
    ['{"environments": {"test": {"__proto__": {"polluted": 1}}}}', 'environments.test.__proto__'],
  ])('rejects %s as the unknown option %s', (json, path) => {
    const call = () => createConfig(JSON.parse(json) as object, { environment: 'test' })
    expect(call).toThrow(new RegExp(`^rtk-realtime: unknown config option "${escape(path)}" \\(value: `))
    expect(configError(call).option).toBe(path)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })

  it('never reads options through a prototype chain', () => {
    const inherited = Object.create({ websocket: { URL: 'ws://inherited' } }) as object
    expect(() => createConfig(inherited)).toThrow(/^rtk-realtime: config must be a plain object, got \{\}$/)
    const section = Object.create({ URL: 'ws://inherited' }) as object
    expect(() => createConfig({ websocket: section })).toThrow(/^rtk-realtime: config option "websocket" must be a plain object, got \{\}$/)
    // A literal __proto__ swaps the prototype rather than adding a key; it must not leak through either.
    expect(() => createConfig({ __proto__: { websocket: { URL: 'ws://x' } } } as never)).toThrow(/must be a plain object/)
  })
})

describe('validateConfigInput', () => {
  it('returns a clean copy holding only the defined options', () => {
    const input = {
      websocket: { URL: 'ws://a.example/ws', RECONNECT_DELAY: undefined },
      optimistic: undefined,
      environments: { test: { updates: { BATCH_SIZE: 10 } }, production: undefined },
    }
    const clean = validateConfigInput(input)
    expect(clean).toStrictEqual({
      websocket: { URL: 'ws://a.example/ws' },
      environments: { test: { updates: { BATCH_SIZE: 10 } } },
    })
    expect(clean.websocket).not.toBe(input.websocket)
    expect(validateConfigInput(undefined)).toStrictEqual({})
  })
})

describe('validateConfig', () => {
  it('accepts the defaults', () => {
    expect(() => validateConfig(defaultConfig)).not.toThrow()
  })

  it('requires every option of a complete config', () => {
    const { AUTO_CONNECT: _, ...websocket } = defaultConfig.websocket
    expect(() => validateConfig({ ...defaultConfig, websocket })).toThrow(
      /^rtk-realtime: config option "websocket\.AUTO_CONNECT" must be a boolean, got undefined$/,
    )
    const { features: __, ...withoutFeatures } = defaultConfig
    expect(() => validateConfig(withoutFeatures)).toThrow(/^rtk-realtime: config option "features" must be a plain object, got undefined$/)
  })

  it('rejects extra sections and options, and names the environment when given one', () => {
    expect(() => validateConfig({ ...defaultConfig, extra: {} })).toThrow(/^rtk-realtime: unknown config option "extra" \(value: \{\}\)/)
    expect(() =>
      validateConfig({ ...defaultConfig, updates: { ...defaultConfig.updates, BATCH_SIZE: 0 } }, 'production'),
    ).toThrow(/^rtk-realtime: config option "updates\.BATCH_SIZE" must be an integer >= 1, got 0 \(in the "production" environment\)$/)
  })
})
