/**
 * Applied-op accounting, for exactly-once tests: how many times each op's effect was applied, and
 * in which order. A replay answered from the answered-id table is not an application and is not
 * counted; a refused op (NACK) is not either.
 */

/** Counts per op id and the order of application; bounded so a long-running server stays small. */
export class AppliedOps {
  private readonly counts = new Map<string, number>()
  private readonly order: string[] = []

  /**
   * @param capacity how many applications to keep (oldest forgotten first, with their counts).
   * Default: all of them, as tests want.
   */
  constructor(readonly capacity = Infinity) {}

  /** Records one application of op `opId`. */
  record(opId: string): void {
    this.order.push(opId)
    this.counts.set(opId, (this.counts.get(opId) ?? 0) + 1)
    while (this.order.length > this.capacity) {
      const oldest = this.order.shift()!
      const left = (this.counts.get(oldest) ?? 1) - 1
      if (left > 0) this.counts.set(oldest, left)
      else this.counts.delete(oldest)
    }
  }

  /** How many times op `opId` was applied (0 when never, or forgotten). */
  count(opId: string): number {
    return this.counts.get(opId) ?? 0
  }

  /** The op ids in application order (an id applied twice appears twice). A copy. */
  list(): string[] {
    return [...this.order]
  }
}
