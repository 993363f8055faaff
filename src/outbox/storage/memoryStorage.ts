import type { OutboxStorage, StoredEntry } from './OutboxStorage'

/**
 * An {@link OutboxStorage} that keeps entries in this JavaScript heap only: for tests, servers and
 * environments without persistent storage. Synchronous. Each call makes an independent store;
 * handing the same instance to a second Redux store models "the same storage after a reload".
 */
export function memoryStorage(): OutboxStorage {
  const namespaces = new Map<string, Map<string, string>>()
  return {
    name: 'memory',
    getAll(namespace: string): StoredEntry[] {
      return Array.from(namespaces.get(namespace) ?? [], ([key, value]) => ({ key, value }))
    },
    set(namespace: string, key: string, value: string): void {
      let entries = namespaces.get(namespace)
      if (!entries) namespaces.set(namespace, (entries = new Map()))
      entries.set(key, value)
    },
    delete(namespace: string, key: string): void {
      const entries = namespaces.get(namespace)
      if (!entries) return
      entries.delete(key)
      // Users come and go over a long-lived server process; empty namespaces must not pile up.
      if (entries.size === 0) namespaces.delete(namespace)
    },
    clear(namespace: string): void {
      namespaces.delete(namespace)
    },
  }
}
