import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../src/config/defaults'
import { optionRules } from '../../src/config/optionRules'

describe('defaultConfig', () => {
  it('matches the DESIGN.md section 5 table', () => {
    const { websocket, optimistic, backgroundSync, updates, features } = defaultConfig
    expect(websocket.URL).toBe('ws://localhost:3000/ws')
    expect(websocket.RECONNECT_ATTEMPTS).toBe(5)
    expect(websocket.RECONNECT_DELAY).toBe(1000)
    expect(websocket.HEARTBEAT_INTERVAL).toBe(30_000)
    expect(optimistic.TIMEOUT).toBe(30_000)
    expect(optimistic.MAX_PENDING).toBe(100)
    expect(optimistic.CONFLICT_RESOLUTION).toBe('REMOTE_WINS')
    expect(optimistic.SYNC_INTERVAL).toBe(60_000)
    expect(features.ENABLE_BACKGROUND_SYNC).toBe(true)
    expect(backgroundSync.SYNC_INTERVAL).toBe(30_000)
    expect(backgroundSync.WIDGET_REFRESH).toBe(60_000)
    expect(backgroundSync.MAX_OUTBOX_SIZE).toBe(100)
    expect(backgroundSync.MAX_RETRIES).toBe(3)
    expect(updates.BATCH_SIZE).toBe(50)
    expect(updates.BATCH_DELAY).toBe(200)
    expect(updates.DEBOUNCE_DELAY).toBe(100)
    expect(updates.DEDUPLICATION).toBe(true)
    expect(features.ENABLE_WEBSOCKET).toBe(true)
    expect(features.ENABLE_OPTIMISTIC_UPDATES).toBe(true)
  })

  it('is exactly the full set of defaults', () => {
    expect(defaultConfig).toStrictEqual({
      websocket: {
        URL: 'ws://localhost:3000/ws',
        RECONNECT_ATTEMPTS: 5,
        RECONNECT_DELAY: 1000,
        RECONNECT_MAX_DELAY: 30000,
        RECONNECT_JITTER: 0.5,
        CONNECT_TIMEOUT: 10000,
        HEARTBEAT_INTERVAL: 30000,
        PONG_TIMEOUT: 10000,
        WAKE_CHECK_INTERVAL: 5000,
        REQUEST_TIMEOUT: 10000,
        MAX_FRAME_BYTES: 1048576,
        MAX_BUFFERED_SENDS: 100,
        AUTO_CONNECT: true,
      },
      optimistic: { TIMEOUT: 30000, MAX_PENDING: 100, CONFLICT_RESOLUTION: 'REMOTE_WINS', SYNC_INTERVAL: 60000 },
      backgroundSync: { SYNC_INTERVAL: 30000, WIDGET_REFRESH: 60000, MAX_OUTBOX_SIZE: 100, MAX_RETRIES: 3, RETRY_DELAY: 1000, RETRY_MAX_DELAY: 30000 },
      updates: { BATCH_SIZE: 50, BATCH_DELAY: 200, DEBOUNCE_DELAY: 100, DEDUPLICATION: true, BATCH_MODE: 'auto' },
      features: { ENABLE_WEBSOCKET: true, ENABLE_OPTIMISTIC_UPDATES: true, ENABLE_BACKGROUND_SYNC: true },
    })
  })

  // The JSDoc in types.ts is what users read in their editor; it must not drift from the code.
  it('agrees with every @default tag in src/config/types.ts', () => {
    const source = readFileSync(new URL('../../src/config/types.ts', import.meta.url), 'utf8')
    const bodies = new Map(
      [...source.matchAll(/export interface (\w+)(?: extends [\w, ]+)? \{([\s\S]*?)\n\}/g)].map((m) => [m[1], m[2] ?? '']),
    )
    const sectionTypes = [...(bodies.get('RealtimeConfig') ?? '').matchAll(/^\s*(\w+): (\w+)$/gm)]
    expect(sectionTypes.map((m) => m[1])).toEqual(Object.keys(defaultConfig))

    const documented: Record<string, Record<string, unknown>> = {}
    for (const [, section = '', typeName = ''] of sectionTypes) {
      documented[section] = {}
      for (const [, raw = '', key = ''] of (bodies.get(typeName) ?? '').matchAll(/@default\s+(.+?)\s*\*\/\s*(\w+)\s*:/g)) {
        documented[section][key] = /^'.*'$/.test(raw) ? raw.slice(1, -1) : raw === 'true' ? true : raw === 'false' ? false : Number(raw)
      }
    }
    expect(documented).toStrictEqual(defaultConfig)
  })

  it('has a validation rule for every option and no rule without a default', () => {
    const shape = (o: object) => Object.fromEntries(Object.entries(o).map(([s, v]) => [s, Object.keys(v as object)]))
    expect(shape(optionRules)).toStrictEqual(shape(defaultConfig))
  })

  it('passes its own validation rules', () => {
    for (const [section, options] of Object.entries(defaultConfig)) {
      for (const [key, value] of Object.entries(options as object)) {
        const rule = (optionRules as unknown as Record<string, Record<string, (v: unknown) => string | undefined>>)[section]?.[key]
        expect(rule?.(value), `${section}.${key}`).toBeUndefined()
      }
    }
  })

  it('is deep-frozen', () => {
    expect(Object.isFrozen(defaultConfig)).toBe(true)
    for (const section of Object.values(defaultConfig)) expect(Object.isFrozen(section)).toBe(true)
    expect(() => {
      ;(defaultConfig.websocket as { URL: string }).URL = 'ws://changed'
    }).toThrow(TypeError)
    expect(defaultConfig.websocket.URL).toBe('ws://localhost:3000/ws')
  })
})
