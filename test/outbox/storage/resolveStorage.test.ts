import { IDBFactory } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import type { OutboxStorage } from '../../../src/outbox/storage/OutboxStorage'
import { resolveStorage, type StorageEnvironment } from '../../../src/outbox/storage/resolveStorage'
import { FakeWebStorage } from '../../support/fakeWebStorage'

// No 'fake-indexeddb/auto' here: this file's globalThis is Node's, without indexedDB or localStorage.
// The indexedDB adapter is only created, never used, so it needs no IndexedDB globals.

function adapter(overrides: Partial<Record<keyof OutboxStorage, unknown>> = {}): OutboxStorage {
  return { name: 'custom', getAll: () => [], set() {}, delete() {}, clear() {}, ...overrides } as OutboxStorage
}

describe('resolveStorage', () => {
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage
  })

  it("gives a new memory storage for 'memory'", () => {
    const first = resolveStorage('memory')
    const second = resolveStorage('memory')
    expect(first).toEqual({ storage: expect.objectContaining({ name: 'memory' }) })
    expect('fellBackFrom' in first).toBe(false)
    first.storage.set('ns', 'k', 'v')
    expect(second.storage.getAll('ns')).toEqual([])
  })

  it("gives IndexedDB for 'indexeddb' where there is one", () => {
    const env: StorageEnvironment = { indexedDB: new IDBFactory(), localStorage: new FakeWebStorage() }
    const resolved = resolveStorage('indexeddb', env)
    expect(resolved.storage.name).toBe('indexeddb')
    expect('fellBackFrom' in resolved).toBe(false)
  })

  it("falls back from 'indexeddb' to localStorage, and says so", () => {
    const web = new FakeWebStorage()
    const resolved = resolveStorage('indexeddb', { localStorage: web })
    expect(resolved.fellBackFrom).toBe('indexeddb')
    expect(resolved.storage.name).toBe('localstorage')
    resolved.storage.set('ns', 'op-1', 'v')
    expect(web.keys()).toEqual(['rtk-realtime|ns|op-1'])
  })

  it("falls back from 'indexeddb' to memory where there is neither", () => {
    const resolved = resolveStorage('indexeddb', {})
    expect(resolved.fellBackFrom).toBe('indexeddb')
    expect(resolved.storage.name).toBe('memory')
  })

  it("gives localStorage for 'localstorage', and memory (saying so) where there is none, never IndexedDB", () => {
    const web = new FakeWebStorage()
    const resolved = resolveStorage('localstorage', { localStorage: web, indexedDB: new IDBFactory() })
    expect(resolved.storage.name).toBe('localstorage')
    expect('fellBackFrom' in resolved).toBe(false)
    resolved.storage.set('ns', 'op-1', 'v')
    expect(web.keys()).toEqual(['rtk-realtime|ns|op-1'])

    const fallback = resolveStorage('localstorage', { indexedDB: new IDBFactory() })
    expect(fallback.storage.name).toBe('memory')
    expect(fallback.fellBackFrom).toBe('localstorage')
  })

  it('treats a storage that throws when read, or lacks its methods, as missing', () => {
    const env = {
      get indexedDB(): IDBFactory {
        throw new DOMException('The operation is insecure.', 'SecurityError')
      },
      // Some server runtimes define a localStorage without the Storage methods.
      localStorage: {} as never,
    }
    expect(resolveStorage('indexeddb', env)).toEqual({ storage: expect.objectContaining({ name: 'memory' }), fellBackFrom: 'indexeddb' })
    expect(resolveStorage('indexeddb', { indexedDB: {} as IDBFactory }).fellBackFrom).toBe('indexeddb')
  })

  it('looks in globalThis by default', () => {
    expect(resolveStorage('indexeddb')).toEqual({ storage: expect.objectContaining({ name: 'memory' }), fellBackFrom: 'indexeddb' })
    const web = new FakeWebStorage()
    ;(globalThis as { localStorage?: unknown }).localStorage = web
    const resolved = resolveStorage('indexeddb')
    expect(resolved).toEqual({ storage: expect.objectContaining({ name: 'localstorage' }), fellBackFrom: 'indexeddb' })
    resolved.storage.set('ns', 'op-1', 'v')
    expect(web.keys()).toEqual(['rtk-realtime|ns|op-1'])
  })

  it('returns a custom adapter as it is, methods on a prototype included', () => {
    const custom = adapter()
    expect(resolveStorage(custom)).toEqual({ storage: custom })
    expect(resolveStorage(custom).storage).toBe(custom)

    class SessionStorageAdapter implements OutboxStorage {
      readonly name = 'session'
      getAll() {
        return []
      }
      set() {}
      delete() {}
      clear() {}
    }
    const instance = new SessionStorageAdapter()
    expect(resolveStorage(instance).storage).toBe(instance)
  })

  it.each([
    ['sessionstorage', '"sessionstorage"'],
    ['IndexedDB', '"IndexedDB"'],
    ['', '""'],
    [undefined, 'undefined'],
    [null, 'null'],
    [42, '42'],
    [() => adapter(), 'function'],
  ])('refuses %j with a TypeError that names the option and the value', (option, shown) => {
    expect(() => resolveStorage(option as never)).toThrow(TypeError)
    expect(() => resolveStorage(option as never)).toThrow(
      `rtk-realtime: createRealtime({ outbox: { storage } }) must be 'indexeddb', 'localstorage', 'memory' or an OutboxStorage adapter { name, getAll, set, delete, clear }, got ${shown}`,
    )
  })

  it.each([
    [{ name: undefined }, 'got one whose name is undefined'],
    [{ name: '' }, 'got one whose name is ""'],
    [{ name: 42 }, 'got one whose name is 42'],
    [{ getAll: undefined }, 'got "custom" whose getAll is undefined'],
    [{ set: 'write it' }, 'got "custom" whose set is "write it"'],
    [{ delete: null }, 'got "custom" whose delete is null'],
    [{ clear: {} }, 'got "custom" whose clear is {}'],
  ])('refuses an adapter with %j, saying which member is wrong', (overrides, got) => {
    const option = adapter(overrides)
    expect(() => resolveStorage(option)).toThrow(TypeError)
    expect(() => resolveStorage(option)).toThrow(/^rtk-realtime: createRealtime\(\{ outbox: \{ storage \} \}\) must be an OutboxStorage adapter /)
    expect(() => resolveStorage(option)).toThrow(got)
  })
})
