import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { backoffDelay } from '../../src'

const base = { baseDelay: 1000, maxDelay: 30_000, jitter: 0.5 }

/** A seeded linear congruential generator, so a jittered sequence is reproducible. */
function seeded(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('backoffDelay', () => {
  it('doubles from the base delay and stops at the cap when jitter is centred', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay({ ...base, attempt, random: () => 0.5 }))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })

  it('spreads each delay over [d·(1−j), d·(1+j)] at the extremes of random', () => {
    expect(backoffDelay({ ...base, attempt: 1, random: () => 0 })).toBe(500)
    expect(backoffDelay({ ...base, attempt: 1, random: () => 0.999999 })).toBe(1500)
    expect(backoffDelay({ ...base, attempt: 3, random: () => 0 })).toBe(2000)
  })

  it('is reproducible with a seeded random', () => {
    const run = () => {
      const random = seeded(42)
      return [1, 2, 3, 4, 5].map((attempt) => backoffDelay({ ...base, attempt, random }))
    }
    const first = run()
    expect(run()).toEqual(first)
    // Different draws per attempt: jitter actually varies the delays.
    expect(new Set(first.map((d, i) => d / 2 ** i)).size).toBeGreaterThan(1)
  })

  it('never leaves the jitter window and never exceeds the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelay, extra, jitter, r) => {
          const maxDelay = baseDelay + extra
          const d = backoffDelay({ attempt, baseDelay, maxDelay, jitter, random: () => r })
          const nominal = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1))
          expect(Number.isInteger(d)).toBe(true)
          expect(d).toBeLessThanOrEqual(maxDelay)
          expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * (1 - jitter)))
          expect(d).toBeLessThanOrEqual(Math.ceil(nominal * (1 + jitter)))
        },
      ),
      { numRuns: 500 },
    )
  })
})
