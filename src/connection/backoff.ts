/** Inputs of {@link backoffDelay}; all in ms except `attempt`, `jitter` and `random`. */
export interface BackoffOptions {
  /** 1 for the first retry after a failure. */
  attempt: number
  baseDelay: number
  maxDelay: number
  /** Ratio in [0, 1]; see {@link backoffDelay}. */
  jitter: number
  /** A random number in [0, 1), injected so tests can seed it. */
  random: () => number
}

/**
 * Exponential backoff with jitter: the nominal delay `baseDelay · 2^(attempt−1)`, capped at
 * `maxDelay`, is spread uniformly over `[d·(1−jitter), d·(1+jitter)]` and capped again. Jitter
 * keeps a thousand dashboards that lost the same server from reconnecting in the same instant.
 */
export function backoffDelay({ attempt, baseDelay, maxDelay, jitter, random }: BackoffOptions): number {
  const exponent = Math.max(0, attempt - 1)
  // 2^exponent overflows to Infinity long before it matters; Math.min keeps it finite.
  const nominal = Math.min(maxDelay, baseDelay * 2 ** exponent)
  const spread = nominal * jitter * (2 * random() - 1)
  return Math.round(Math.min(maxDelay, Math.max(0, nominal + spread)))
}
