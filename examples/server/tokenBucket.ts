/**
 * A token bucket, the per-connection rate limit: `burst` tokens at most, refilled at
 * `perSecond`; each message with an id takes one. Pure but for the clock it is given.
 */

/** One connection's bucket. */
export interface TokenBucket {
  /** Takes a token; false when the bucket is empty (the message is over the limit). */
  take(): boolean
}

/** A bucket that starts full. `now` is a monotonic clock in ms. */
export function createTokenBucket(perSecond: number, burst: number, now: () => number): TokenBucket {
  let tokens = burst
  let last = now()
  return {
    take() {
      const at = now()
      tokens = Math.min(burst, tokens + ((at - last) * perSecond) / 1000)
      last = at
      if (tokens < 1) return false
      tokens -= 1
      return true
    },
  }
}

/** A bucket that never runs out (`rateLimit: false`). */
export const UNLIMITED: TokenBucket = Object.freeze({ take: () => true })
