import 'fake-indexeddb/auto'
import { forceCloseDatabase, IDBFactory } from 'fake-indexeddb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { classifyStorageError } from '../../../src/outbox/storage/classifyStorageError'
import { indexedDbStorage } from '../../../src/outbox/storage/indexedDbStorage'
import type { OutboxStorage } from '../../../src/outbox/storage/OutboxStorage'
import { describeStorageContract } from './storageContract'

describeStorageContract('indexeddb', () => {
  const factory = new IDBFactory()
  return () => indexedDbStorage({ indexedDB: factory })
})

/** What a storage call rejected with (failing the test if it resolved). */
async function rejection(call: () => unknown): Promise<unknown> {
  try {
    await call()
  } catch (thrown) {
    return thrown
  }
  throw new Error('expected the call to reject')
}

/**
 * Opens a connection of our own, as another tab (or a newer version of the page) would. Rejects if
 * an open connection blocks it, rather than waiting for the test to time out.
 */
function openRaw(factory: IDBFactory, name: string, version: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, version)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
    request.onblocked = () => reject(new Error(`opening ${name} at version ${version} was blocked by an open connection`))
  })
}

/** A factory that hands every open request to `watch` before returning it. */
function watchedFactory(factory: IDBFactory, watch: (request: IDBOpenDBRequest) => void = () => {}) {
  const open = vi.fn((name: string, version?: number) => {
    const request = factory.open(name, version)
    watch(request)
    return request
  })
  return { factory: { open } as unknown as IDBFactory, open }
}

describe('indexedDbStorage', () => {
  const realIndexedDB = globalThis.indexedDB
  afterEach(() => {
    Object.defineProperty(globalThis, 'indexedDB', { value: realIndexedDB, configurable: true, writable: true })
  })

  it('answers with promises, and a write has committed when it resolves', async () => {
    const factory = new IDBFactory()
    const storage = indexedDbStorage({ indexedDB: factory })
    const written = storage.set('ns', 'op-1', 'v')
    expect(written).toBeInstanceOf(Promise)
    await written
    const db = await openRaw(factory, 'rtk-realtime', 1)
    const stored = await new Promise((resolve) => {
      const request = db.transaction('entries').objectStore('entries').get(['ns', 'op-1'])
      request.onsuccess = () => resolve(request.result)
    })
    db.close()
    expect(stored).toEqual({ namespace: 'ns', key: 'op-1', value: 'v' })
  })

  it('opens nothing until first used, then opens the database once', async () => {
    const { factory, open } = watchedFactory(new IDBFactory())
    const storage = indexedDbStorage({ indexedDB: factory })
    expect(open).not.toHaveBeenCalled()
    await Promise.all([storage.set('ns', 'a', '1'), storage.set('ns', 'b', '2'), storage.getAll('ns')])
    await storage.delete('ns', 'a')
    await storage.clear('ns')
    expect(open).toHaveBeenCalledTimes(1)
    expect(open).toHaveBeenCalledWith('rtk-realtime', 1)
  })

  it('keeps databases of different names apart', async () => {
    const factory = new IDBFactory()
    const first = indexedDbStorage({ indexedDB: factory })
    const second = indexedDbStorage({ indexedDB: factory, dbName: 'other-app' })
    await first.set('ns', 'op-1', 'first')
    expect(await second.getAll('ns')).toEqual([])
    expect((await factory.databases()).map((db) => db.name).sort()).toEqual(['other-app', 'rtk-realtime'])
  })

  it('lets two pages on the same database see each other’s writes', async () => {
    const factory = new IDBFactory()
    const pageA = indexedDbStorage({ indexedDB: factory })
    const pageB = indexedDbStorage({ indexedDB: factory })
    await Promise.all([pageA.set('ns', 'from-a', 'A'), pageB.set('ns', 'from-b', 'B')])
    const sorted = async (storage: OutboxStorage) => (await storage.getAll('ns')).map((entry) => entry.key).sort()
    expect(await sorted(pageA)).toEqual(['from-a', 'from-b'])
    expect(await sorted(pageB)).toEqual(['from-a', 'from-b'])
    await pageB.clear('ns')
    expect(await pageA.getAll('ns')).toEqual([])
  })

  it('uses the global indexedDB when none is passed', async () => {
    const factory = new IDBFactory()
    Object.defineProperty(globalThis, 'indexedDB', { value: factory, configurable: true, writable: true })
    await indexedDbStorage().set('ns', 'k', 'v')
    expect(await indexedDbStorage({ indexedDB: factory }).getAll('ns')).toEqual([{ key: 'k', value: 'v' }])
  })

  it('rejects with a clear STORAGE_UNAVAILABLE error when there is no indexedDB', async () => {
    Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true, writable: true })
    const storage = indexedDbStorage()
    const thrown = await rejection(() => storage.getAll('ns'))
    expect(thrown).toMatchObject({ message: 'rtk-realtime: indexedDB is not available in this environment' })
    expect(classifyStorageError(thrown, storage.name, 'read')).toEqual({
      name: 'StorageUnavailableError',
      code: 'STORAGE_UNAVAILABLE',
      message: 'rtk-realtime: outbox storage "indexeddb" could not read: indexedDB is not available in this environment',
    })
  })

  it('rejects every call when opening throws, readably, and tries again on a later call', async () => {
    const real = new IDBFactory()
    let refuse = true
    const open = vi.fn((name: string, version?: number) => {
      if (refuse) throw new DOMException('The operation is insecure.', 'SecurityError')
      return real.open(name, version)
    })
    const storage = indexedDbStorage({ indexedDB: { open } as unknown as IDBFactory })
    const [read, write] = await Promise.all([rejection(() => storage.getAll('ns')), rejection(() => storage.set('ns', 'k', 'v'))])
    expect(read).toMatchObject({ name: 'SecurityError', message: 'rtk-realtime: could not open IndexedDB database "rtk-realtime": The operation is insecure.' })
    expect(write).toBe(read)
    expect(classifyStorageError(write, storage.name, 'write')).toEqual({
      name: 'SecurityError',
      code: 'STORAGE_UNAVAILABLE',
      message: 'rtk-realtime: outbox storage "indexeddb" could not write: could not open IndexedDB database "rtk-realtime": The operation is insecure.',
    })
    expect(open).toHaveBeenCalledTimes(1)

    refuse = false
    await storage.set('ns', 'k', 'v')
    expect(await storage.getAll('ns')).toEqual([{ key: 'k', value: 'v' }])
    expect(open).toHaveBeenCalledTimes(2)
  })

  it('rejects, as STORAGE_FAILED, when a newer page has upgraded the database', async () => {
    const factory = new IDBFactory()
    ;(await openRaw(factory, 'rtk-realtime', 2)).close()
    const storage = indexedDbStorage({ indexedDB: factory })
    const thrown = await rejection(() => storage.set('ns', 'k', 'v'))
    expect(classifyStorageError(thrown, storage.name, 'write')).toMatchObject({ name: 'VersionError', code: 'STORAGE_FAILED' })
    expect(classifyStorageError(thrown, storage.name, 'write').message).toMatch(/^rtk-realtime: outbox storage "indexeddb" could not write: could not open IndexedDB database "rtk-realtime": ./)
  })

  it('lets go of the database when another tab upgrades it, instead of blocking that tab', async () => {
    const factory = new IDBFactory()
    const storage = indexedDbStorage({ indexedDB: factory })
    await storage.set('ns', 'k', 'v')
    const newer = await openRaw(factory, 'rtk-realtime', 2)
    expect([...newer.objectStoreNames]).toEqual(['entries'])
    newer.close()
    // The old page cannot use a newer schema; it says so rather than hanging.
    const thrown = await rejection(() => storage.getAll('ns'))
    expect(thrown).toMatchObject({ name: 'VersionError' })
  })

  it('starts a fresh database when another tab deletes it', async () => {
    const factory = new IDBFactory()
    const storage = indexedDbStorage({ indexedDB: factory })
    await storage.set('ns', 'k', 'old')
    await new Promise<void>((resolve, reject) => {
      const request = factory.deleteDatabase('rtk-realtime')
      request.onsuccess = () => resolve()
      request.onerror = () => reject(request.error)
      request.onblocked = () => reject(new Error('deleteDatabase was blocked by the open adapter'))
    })
    expect(await storage.getAll('ns')).toEqual([])
    await storage.set('ns', 'k', 'new')
    expect(await storage.getAll('ns')).toEqual([{ key: 'k', value: 'new' }])
  })

  it('opens again after the browser closed the connection', async () => {
    const requests: IDBOpenDBRequest[] = []
    const { factory, open } = watchedFactory(new IDBFactory(), (request) => requests.push(request))
    const storage = indexedDbStorage({ indexedDB: factory })
    await storage.set('ns', 'k', 'v')
    forceCloseDatabase(requests[0]!.result as never)
    expect(await storage.getAll('ns')).toEqual([{ key: 'k', value: 'v' }])
    expect(open).toHaveBeenCalledTimes(2)
  })

  it('rejects, as STORAGE_UNAVAILABLE, when its upgrade is blocked by a tab that will not let go', async () => {
    const real = new IDBFactory()
    // A connection with no versionchange handler: an old tab running code that never lets go.
    const holder = await openRaw(real, 'rtk-realtime', 1)
    // Stands in for a future version of the package, whose schema upgrade needs the old tab to close.
    const { factory } = watchedFactory({ open: (name: string) => real.open(name, 2) } as unknown as IDBFactory)
    const storage = indexedDbStorage({ indexedDB: factory })
    const thrown = await rejection(() => storage.set('ns', 'k', 'v'))
    expect(thrown).toMatchObject({
      name: 'StorageUnavailableError',
      message: 'rtk-realtime: IndexedDB database "rtk-realtime" is held open at an older version by another tab',
    })
    expect(classifyStorageError(thrown, storage.name, 'write').code).toBe('STORAGE_UNAVAILABLE')

    // Once the old tab lets go, the abandoned open completes; it must close at once, not block the next upgrade.
    holder.close()
    const next = await openRaw(real, 'rtk-realtime', 3)
    expect([...next.objectStoreNames]).toEqual(['entries'])
    next.close()
  })

  it.each([
    [null, /^rtk-realtime: indexedDbStorage\(options\) must be an object \{ dbName\?, indexedDB\? \}, got null$/],
    [{ dbName: 42 }, /^rtk-realtime: indexedDbStorage\(\{ dbName \}\) must be a string, got 42$/],
    [{ indexedDB: {} }, /^rtk-realtime: indexedDbStorage\(\{ indexedDB \}\) must be an IDBFactory, got \{\}$/],
  ])('refuses the options %j with a TypeError naming the option', (options, message) => {
    expect(() => indexedDbStorage(options as never)).toThrow(TypeError)
    expect(() => indexedDbStorage(options as never)).toThrow(message)
  })
})
