import type { StorageLike } from '../../src/outbox/storage/localStorageStorage'

/**
 * An in-memory Web Storage (`localStorage`) for Node, where there is none. Like a browser's, it
 * stringifies values, answers `null` for a missing item, and with a `quota` (in UTF-16 code units
 * of keys plus values) throws a `DOMException` named `QuotaExceededError` from `setItem`.
 */
export class FakeWebStorage implements StorageLike {
  private readonly items = new Map<string, string>()

  constructor(private readonly quota = Infinity) {}

  get length(): number {
    return this.items.size
  }

  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null
  }

  getItem(key: string): string | null {
    return this.items.get(String(key)) ?? null
  }

  setItem(key: string, value: string): void {
    const name = String(key)
    const text = String(value)
    const others = this.used() - (this.items.has(name) ? name.length + this.items.get(name)!.length : 0)
    if (others + name.length + text.length > this.quota) {
      throw new DOMException(`Failed to execute 'setItem' on 'Storage': Setting the value of '${name}' exceeded the quota.`, 'QuotaExceededError')
    }
    this.items.set(name, text)
  }

  removeItem(key: string): void {
    this.items.delete(String(key))
  }

  /** Every item name, for assertions about what the adapter wrote. */
  keys(): string[] {
    return [...this.items.keys()]
  }

  private used(): number {
    let total = 0
    for (const [name, text] of this.items) total += name.length + text.length
    return total
  }
}
