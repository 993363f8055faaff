/**
 * `server.received`, bounded by bytes rather than by count: a count bounds nothing when one
 * message may be a megabyte. Each entry is charged the size of the frame text it came in (its
 * share of a BATCH frame), which is what the decoded message costs to keep, give or take.
 */
import type { ReceivedMessage } from './types'

/** Appends to `entries`, dropping the oldest once their bytes pass the budget. */
export interface ReceivedLog {
  record(entry: ReceivedMessage, bytes: number): void
}

/** A log over `entries` (the array exposed as `server.received`), at most `maxBytes` and `maxCount`. */
export function createReceivedLog(entries: ReceivedMessage[], maxBytes: number, maxCount = Infinity): ReceivedLog {
  const sizes: number[] = []
  let total = 0
  // Dropping one at a time from the front of an array is O(n) each: drop in chunks instead.
  const trim = (): void => {
    let drop = 0
    while (drop < sizes.length && (total > maxBytes || sizes.length - drop > maxCount)) total -= sizes[drop++]!
    if (drop > 0) {
      sizes.splice(0, drop)
      entries.splice(0, drop)
    }
  }
  return {
    record(entry, bytes) {
      // A test may have emptied `received` itself: start counting afresh.
      if (entries.length < sizes.length) {
        sizes.length = 0
        total = 0
        for (const _ of entries) sizes.push(0)
      }
      entries.push(entry)
      sizes.push(bytes)
      total += bytes
      if (total > maxBytes || sizes.length > maxCount) trim()
    },
  }
}
