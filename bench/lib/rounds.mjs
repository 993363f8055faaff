/**
 * Runs variants in interleaved rounds: round r runs every variant once, in order, so drift in
 * machine load (other processes, thermal) hits every variant alike and the ratios stay fair.
 * The first `warmup` rounds are discarded. Variants call {@link collectGarbage} right before
 * their timed section, after their own setup.
 */

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : null

/** A full garbage collection when node runs with --expose-gc; nothing otherwise. */
export function collectGarbage() {
  gc?.()
}

/**
 * @template S
 * @param {Array<{ name: string, run: () => Promise<S> }>} variants `run` returns one sample, e.g. `{ rate, cpuUs }`
 * @param {{ rounds: number, warmup?: number, onRound?: (round: number, samples: Record<string, S>) => void }} options
 *   `onRound` gets the round's samples; warm-up rounds have a negative index
 * @returns {Promise<Record<string, S[]>>} the measured samples per variant name
 */
export async function runInterleaved(variants, { rounds, warmup = 1, onRound }) {
  const samples = Object.fromEntries(variants.map((v) => [v.name, []]))
  for (let round = 0; round < warmup + rounds; round++) {
    const thisRound = {}
    for (const variant of variants) {
      const value = await variant.run()
      thisRound[variant.name] = value
      if (round >= warmup) samples[variant.name].push(value)
    }
    onRound?.(round - warmup, thisRound)
  }
  return samples
}
