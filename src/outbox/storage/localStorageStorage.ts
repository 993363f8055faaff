import { formatValue } from '../../config/formatValue'
import type { OutboxStorage, StoredEntry } from './OutboxStorage'
import { StorageUnavailableError } from './StorageUnavailableError'

/** The part of the Web Storage API (`localStorage`, `sessionStorage`) the adapter uses. */
export interface StorageLike {
  readonly length: number
  key(index: number): string | null
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * An {@link OutboxStorage} on Web Storage, one item per entry, so a write costs one entry and
 * never the whole queue. Synchronous. Items are named `rtk-realtime|<namespace>|<key>` with `%` and
 * `|` escaped in the namespace, so no namespace can read or clear another's items (nor anything
 * else the page keeps in the same storage). A full storage throws from `set` (a `DOMException`
 * named `QuotaExceededError`); that is left to propagate: the caller classifies it.
 *
 * @param storage Where to keep the items. Omitted: `globalThis.localStorage`, looked up at every
 * call, so a missing one is an error at use (`rtk-realtime: localStorage is not available in this
 * environment`), not at import or in server-side rendering.
 */
export function localStorageStorage(storage?: StorageLike): OutboxStorage {
  if (storage !== undefined && !isStorageLike(storage)) {
    throw new TypeError(
      `rtk-realtime: localStorageStorage(storage) must be a Web Storage object (length, key, getItem, setItem, removeItem), got ${formatValue(storage)}`,
    )
  }
  const target = (): StorageLike => storage ?? globalLocalStorage()
  return {
    name: 'localstorage',
    getAll(namespace: string): StoredEntry[] {
      const store = target()
      const prefix = prefixOf(namespace)
      const entries: StoredEntry[] = []
      for (const item of itemsWithPrefix(store, prefix)) {
        const value = store.getItem(item)
        if (value !== null) entries.push({ key: item.slice(prefix.length), value })
      }
      return entries
    },
    set(namespace: string, key: string, value: string): void {
      target().setItem(prefixOf(namespace) + key, value)
    },
    delete(namespace: string, key: string): void {
      target().removeItem(prefixOf(namespace) + key)
    },
    clear(namespace: string): void {
      const store = target()
      for (const item of itemsWithPrefix(store, prefixOf(namespace))) store.removeItem(item)
    },
  }
}

/**
 * `rtk-realtime|<namespace>|`. Escaping `%` and `|` makes the namespace part free of `|`, so the
 * first `|` after it ends it: `a` + `b|c` and `a|b` + `c` stay different items, and no namespace's
 * prefix starts another's. Not `encodeURIComponent`: that throws on a lone surrogate.
 */
function prefixOf(namespace: string): string {
  return `rtk-realtime|${namespace.replace(/[%|]/g, (c) => (c === '%' ? '%25' : '%7C'))}|`
}

/** Collected before anyone removes one: removing shifts the indexes `key(i)` walks. */
function itemsWithPrefix(store: StorageLike, prefix: string): string[] {
  const found: string[] = []
  for (let i = 0; i < store.length; i++) {
    const item = store.key(i)
    if (item !== null && item.startsWith(prefix)) found.push(item)
  }
  return found
}

/**
 * `globalThis.localStorage`. Reading it can itself throw (a `SecurityError` in a sandboxed iframe
 * or with site data blocked); that error is the real reason, so it propagates unchanged.
 */
function globalLocalStorage(): StorageLike {
  const found: unknown = (globalThis as { localStorage?: unknown }).localStorage
  // Not just missing: some server runtimes define a localStorage without the Storage methods.
  if (!isStorageLike(found)) throw new StorageUnavailableError('rtk-realtime: localStorage is not available in this environment')
  return found
}

/** True when `value` has the Web Storage members {@link localStorageStorage} uses. */
export function isStorageLike(value: unknown): value is StorageLike {
  if (value === null || typeof value !== 'object') return false
  const { key, getItem, setItem, removeItem } = value as Record<string, unknown>
  return [key, getItem, setItem, removeItem].every((method) => typeof method === 'function') && 'length' in value
}
