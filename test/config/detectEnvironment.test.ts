import { afterEach, describe, expect, it, vi } from 'vitest'
import { detectEnvironment } from '../../src/config/createConfig'
import { isEnvironment } from '../../src/config/environment'

afterEach(() => {
  vi.unstubAllEnvs()
  vi.unstubAllGlobals()
})

describe('detectEnvironment', () => {
  it.each([
    ['production', 'production'],
    ['test', 'test'],
    ['development', 'development'],
    ['staging', 'development'],
    ['PRODUCTION', 'development'],
    ['', 'development'],
  ] as const)('maps NODE_ENV=%j to %s', (nodeEnv, expected) => {
    vi.stubEnv('NODE_ENV', nodeEnv)
    expect(detectEnvironment()).toBe(expected)
  })

  it('is development when NODE_ENV is unset', () => {
    vi.stubEnv('NODE_ENV', undefined)
    expect(detectEnvironment()).toBe('development')
  })

  // Browsers without a bundler have no `process` at all, and some polyfills have no `env`.
  it('is development when process or process.env does not exist', () => {
    vi.stubGlobal('process', undefined)
    const withoutProcess = detectEnvironment()
    vi.stubGlobal('process', {})
    const withoutEnv = detectEnvironment()
    vi.unstubAllGlobals()
    expect(withoutProcess).toBe('development')
    expect(withoutEnv).toBe('development')
  })
})

describe('isEnvironment', () => {
  it('accepts only the three names', () => {
    expect(['development', 'production', 'test'].every(isEnvironment)).toBe(true)
    expect([undefined, 'staging', 'toString', '__proto__', 1].some(isEnvironment)).toBe(false)
  })
})
