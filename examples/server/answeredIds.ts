/**
 * The idempotency memory: ids the server has already ACKed, with the ACK it sent, bounded so a
 * long-running server does not grow without limit.
 */
import type { WireMessage } from './types'

/** Bounded id -> ACK frame map; the oldest ids are forgotten first. */
export class AnsweredIds {
  private readonly map = new Map<string, WireMessage>()

  /** @param capacity how many ids to remember (default 10,000). */
  constructor(readonly capacity = 10_000) {}

  /** The ACK sent for `id`, if the id is still remembered. */
  get(id: string): WireMessage | undefined {
    return this.map.get(id)
  }

  /** Whether `id` was answered (and is still remembered). */
  has(id: string): boolean {
    return this.map.has(id)
  }

  /** Remembers the ACK for `id`, evicting the oldest entries beyond capacity. */
  set(id: string, ack: WireMessage): void {
    this.map.delete(id)
    this.map.set(id, ack)
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next()
      if (oldest.done) break
      this.map.delete(oldest.value)
    }
  }

  /** Number of remembered ids. */
  get size(): number {
    return this.map.size
  }
}
