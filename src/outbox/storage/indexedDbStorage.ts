import { formatValue } from '../../config/formatValue'
import type { OutboxStorage, StoredEntry } from './OutboxStorage'
import { StorageUnavailableError } from './StorageUnavailableError'

/** Options of {@link indexedDbStorage}. */
export interface IndexedDbStorageOptions {
  /** The database to keep entries in; adapters with the same name (a reload, another tab) share them. @default 'rtk-realtime' */
  dbName?: string
  /** The IndexedDB to use. @default globalThis.indexedDB, looked up when the database is first needed */
  indexedDB?: IDBFactory
}

const VERSION = 1
const STORE = 'entries'

/** One record of the object store, keyed by `[namespace, key]`. */
interface EntryRecord {
  namespace: string
  key: string
  value: string
}

/**
 * An {@link OutboxStorage} on IndexedDB: one database, one object store keyed by
 * `[namespace, key]`, one record per entry. Asynchronous; a write resolves once its transaction
 * has committed. The database is opened at the first call and kept open; if opening fails, that
 * call and those waiting on it reject, and the next call tries again. It closes itself when another
 * tab upgrades or deletes the database, so that tab is not kept waiting. It needs the
 * IndexedDB classes as globals (any browser; `fake-indexeddb/auto` in Node tests).
 */
export function indexedDbStorage(options: IndexedDbStorageOptions = {}): OutboxStorage {
  const { dbName = 'rtk-realtime', indexedDB } = validateOptions(options)
  let opening: Promise<IDBDatabase> | undefined

  function database(): Promise<IDBDatabase> {
    if (opening) return opening
    const attempt = openDatabase(indexedDB ?? globalIndexedDB(), dbName, () => {
      if (opening === attempt) opening = undefined
    })
    opening = attempt
    attempt.catch(() => {
      if (opening === attempt) opening = undefined
    })
    return attempt
  }

  return {
    name: 'indexeddb',
    async getAll(namespace: string): Promise<StoredEntry[]> {
      const records = await run<EntryRecord[]>(await database(), 'readonly', (store) => store.getAll(inNamespace(namespace)))
      return records.map(({ key, value }) => ({ key, value }))
    },
    async set(namespace: string, key: string, value: string): Promise<void> {
      await run(await database(), 'readwrite', (store) => store.put({ namespace, key, value } satisfies EntryRecord))
    },
    async delete(namespace: string, key: string): Promise<void> {
      await run(await database(), 'readwrite', (store) => store.delete([namespace, key]))
    },
    async clear(namespace: string): Promise<void> {
      await run(await database(), 'readwrite', (store) => store.delete(inNamespace(namespace)))
    },
  }
}

/**
 * One request in a transaction of its own: its result once the transaction has committed, or the
 * error that failed it (the request's, else the transaction's: an abort, a full disk).
 */
function run<T>(db: IDBDatabase, mode: IDBTransactionMode, operation: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode)
    const request = operation(transaction.objectStore(STORE))
    transaction.oncomplete = () => resolve(request.result)
    transaction.onerror = () => reject(request.error ?? transaction.error)
    transaction.onabort = () => reject(transaction.error ?? new DOMException('The transaction was aborted', 'AbortError'))
  })
}

/**
 * Every `[namespace, key]` with a string key: `[namespace]` sorts before all of them (a prefix
 * sorts first) and `[namespace, []]` after them (arrays sort after strings), whatever the key.
 */
function inNamespace(namespace: string): IDBKeyRange {
  return IDBKeyRange.bound([namespace], [namespace, []])
}

/**
 * Opens (creating on first use) the database. `forget` is called when this connection is gone,
 * so the next call opens a new one instead of failing on a closed one.
 */
async function openDatabase(factory: IDBFactory, dbName: string, forget: () => void): Promise<IDBDatabase> {
  if (typeof IDBRequest === 'undefined' || typeof IDBKeyRange === 'undefined') {
    throw new StorageUnavailableError("rtk-realtime: indexedDbStorage needs the IndexedDB classes as globals (in Node tests, import 'fake-indexeddb/auto')")
  }
  let connection: IDBDatabase
  try {
    connection = await connect(factory, dbName)
  } catch (thrown) {
    throw openFailed(dbName, thrown)
  }
  connection.addEventListener('versionchange', () => {
    // Another tab wants to upgrade or delete the database; holding on would block it.
    connection.close()
    forget()
  })
  // Fired only when the browser closes it (site data cleared, disk gone); `close()` does not fire it.
  connection.addEventListener('close', forget)
  return connection
}

function connect(factory: IDBFactory, dbName: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let gaveUp = false
    const request = factory.open(dbName, VERSION)
    request.onupgradeneeded = () => {
      const db = request.result
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: ['namespace', 'key'] })
    }
    request.onsuccess = () => {
      // Opened after all, once the blocking tab let go: nobody is waiting, and an idle open
      // connection would block the next upgrade in turn.
      if (gaveUp) request.result.close()
      else resolve(request.result)
    }
    request.onerror = () => reject(request.error)
    request.onblocked = () => {
      gaveUp = true
      reject(new StorageUnavailableError(`rtk-realtime: IndexedDB database "${dbName}" is held open at an older version by another tab`))
    }
  })
}

/** A readable reason that keeps the original error's name, so it is classified like the original. */
function openFailed(dbName: string, thrown: unknown): Error {
  if (thrown instanceof StorageUnavailableError) return thrown
  const { name, message } = (thrown ?? {}) as { name?: unknown; message?: unknown }
  const reason = typeof message === 'string' ? message : formatValue(thrown)
  const error = new Error(`rtk-realtime: could not open IndexedDB database "${dbName}": ${reason}`, { cause: thrown })
  if (typeof name === 'string' && name) error.name = name
  return error
}

function globalIndexedDB(): IDBFactory {
  const found = (globalThis as { indexedDB?: IDBFactory | null }).indexedDB
  if (found == null) throw new StorageUnavailableError('rtk-realtime: indexedDB is not available in this environment')
  return found
}

function validateOptions(options: IndexedDbStorageOptions): IndexedDbStorageOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`rtk-realtime: indexedDbStorage(options) must be an object { dbName?, indexedDB? }, got ${formatValue(options)}`)
  }
  const { dbName, indexedDB } = options
  if (dbName !== undefined && typeof dbName !== 'string') {
    throw new TypeError(`rtk-realtime: indexedDbStorage({ dbName }) must be a string, got ${formatValue(dbName)}`)
  }
  if (indexedDB !== undefined && typeof (indexedDB as { open?: unknown } | null)?.open !== 'function') {
    throw new TypeError(`rtk-realtime: indexedDbStorage({ indexedDB }) must be an IDBFactory, got ${formatValue(indexedDB)}`)
  }
  return options
}
