import { formatValue } from '../../config/formatValue'
import { indexedDbStorage } from './indexedDbStorage'
import { isStorageLike, localStorageStorage, type StorageLike } from './localStorageStorage'
import { memoryStorage } from './memoryStorage'
import type { OutboxStorage } from './OutboxStorage'

/** The built-in storages, by the names `createRealtime({ outbox: { storage } })` accepts. */
export type StorageKind = 'indexeddb' | 'localstorage' | 'memory'

/** `createRealtime({ outbox: { storage } })`: a built-in storage by name, or an adapter of your own. */
export type StorageOption = StorageKind | OutboxStorage

/** Where {@link resolveStorage} looks for the browser's storages: `globalThis` unless a test says otherwise. */
export interface StorageEnvironment {
  readonly indexedDB?: IDBFactory | null | undefined
  readonly localStorage?: StorageLike | null | undefined
}

/** The storage to use, and whether it is not the one asked for. */
export interface ResolvedStorage {
  storage: OutboxStorage
  /** The storage asked for, when it does not exist here and a lesser one was picked; worth one log line. */
  fellBackFrom?: 'indexeddb' | 'localstorage'
}

const KINDS: readonly string[] = ['indexeddb', 'localstorage', 'memory'] satisfies StorageKind[]
const METHODS = ['getAll', 'set', 'delete', 'clear'] as const
const OPTION = 'rtk-realtime: createRealtime({ outbox: { storage } })'
const ADAPTER = 'an OutboxStorage adapter { name, getAll, set, delete, clear }'

/**
 * Turns the `storage` option into an adapter. `'indexeddb'` falls back to localStorage and then to
 * memory where the environment lacks them (Node, some embedded webviews), `'localstorage'` to
 * memory; `fellBackFrom` then says what was asked for. A custom adapter is checked and returned
 * as it is. A wrong option is a programmer mistake and throws a `TypeError`.
 *
 * @param env Where to look for `indexedDB` and `localStorage`. Omitted: `globalThis`.
 */
export function resolveStorage(option: StorageOption, env: StorageEnvironment = globalThis): ResolvedStorage {
  if (typeof option === 'string' && KINDS.includes(option)) {
    if (option === 'memory') return { storage: memoryStorage() }
    const indexedDB = option === 'indexeddb' ? available(env, 'indexedDB', isFactory) : undefined
    if (indexedDB) return { storage: indexedDbStorage({ indexedDB }) }
    const localStorage = available(env, 'localStorage', isStorageLike)
    if (localStorage) {
      const storage = localStorageStorage(localStorage)
      return option === 'localstorage' ? { storage } : { storage, fellBackFrom: option }
    }
    return { storage: memoryStorage(), fellBackFrom: option }
  }
  if (option === null || typeof option !== 'object') {
    throw new TypeError(`${OPTION} must be 'indexeddb', 'localstorage', 'memory' or ${ADAPTER}, got ${formatValue(option)}`)
  }
  const { name } = option
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`${OPTION} must be ${ADAPTER} whose name is a non-empty string, got one whose name is ${formatValue(name)}`)
  }
  for (const method of METHODS) {
    if (typeof option[method] !== 'function') {
      throw new TypeError(`${OPTION} must be ${ADAPTER}, got "${name}" whose ${method} is ${formatValue(option[method])}`)
    }
  }
  return { storage: option }
}

/**
 * `env[property]` when it is usable. Reading it may throw (a browser's `SecurityError` where site
 * data is blocked): that storage is not available either.
 */
function available<T>(env: StorageEnvironment, property: keyof StorageEnvironment, usable: (value: unknown) => value is T): T | undefined {
  try {
    const value: unknown = env[property]
    return usable(value) ? value : undefined
  } catch {
    return undefined
  }
}

function isFactory(value: unknown): value is IDBFactory {
  return typeof (value as { open?: unknown } | null | undefined)?.open === 'function'
}
