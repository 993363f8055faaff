/**
 * The bounded log of recent broadcasts that answers `SYNC { since }`.
 */
import type { BroadcastFrame } from './types'

/** Ring buffer of the last `capacity` broadcasts, in seq order. */
export class BroadcastLog {
  private readonly ring: Array<BroadcastFrame | undefined>
  private start = 0
  private length = 0

  /** @param capacity how many broadcasts to keep (default 1,000). */
  constructor(readonly capacity = 1_000) {
    this.ring = new Array<BroadcastFrame | undefined>(capacity)
  }

  /** Appends a broadcast; its seq must be one more than the previous one's. */
  push(frame: BroadcastFrame): void {
    if (this.length < this.capacity) {
      this.ring[(this.start + this.length) % this.capacity] = frame
      this.length++
    } else {
      this.ring[this.start] = frame
      this.start = (this.start + 1) % this.capacity
    }
  }

  /**
   * Broadcasts with `seq > since`, oldest first, given the current sequence number `currentSeq`.
   * Returns null when the log cannot answer: `since` is older than the oldest kept broadcast, or
   * newer than `currentSeq` (a client that saw another server instance).
   */
  since(since: number, currentSeq: number): BroadcastFrame[] | null {
    if (since > currentSeq) return null
    const missing = currentSeq - since
    if (missing > this.length) return null
    const out: BroadcastFrame[] = []
    for (let k = this.length - missing; k < this.length; k++) {
      const frame = this.ring[(this.start + k) % this.capacity]
      if (frame) out.push(frame)
    }
    return out
  }

  /** Number of broadcasts held. */
  get size(): number {
    return this.length
  }
}
