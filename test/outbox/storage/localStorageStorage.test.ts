import { afterEach, describe, expect, it } from 'vitest'
import { classifyStorageError } from '../../../src/outbox/storage/classifyStorageError'
import { localStorageStorage } from '../../../src/outbox/storage/localStorageStorage'
import { FakeWebStorage } from '../../support/fakeWebStorage'
import { describeStorageContract } from './storageContract'

describeStorageContract('localstorage', () => {
  const shared = new FakeWebStorage()
  return () => localStorageStorage(shared)
})

describe('localStorageStorage', () => {
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage
  })

  it('answers synchronously', () => {
    const storage = localStorageStorage(new FakeWebStorage())
    expect(storage.set('ns', 'k', 'v')).toBeUndefined()
    expect(storage.getAll('ns')).toEqual([{ key: 'k', value: 'v' }])
  })

  it('keeps one item per entry, under a readable name, and leaves the page’s own items alone', () => {
    const web = new FakeWebStorage()
    web.setItem('theme', 'dark')
    web.setItem('rtk-realtime:alice', 'not ours either')
    const storage = localStorageStorage(web)
    storage.set('rtk-realtime:alice', 'op-1', '{}')
    storage.set('a|b%', 'c|d', '{}')
    expect(web.keys()).toEqual(['theme', 'rtk-realtime:alice', 'rtk-realtime|rtk-realtime:alice|op-1', 'rtk-realtime|a%7Cb%25|c|d'])
    storage.clear('rtk-realtime:alice')
    storage.clear('a|b%')
    expect(web.keys()).toEqual(['theme', 'rtk-realtime:alice'])
  })

  it('lets a full storage’s QuotaExceededError through, classified as STORAGE_QUOTA', () => {
    const web = new FakeWebStorage(1000)
    const storage = localStorageStorage(web)
    storage.set('ns', 'op-1', 'x'.repeat(500))
    let thrown: unknown
    try {
      storage.set('ns', 'op-2', 'x'.repeat(500))
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(DOMException)
    expect(classifyStorageError(thrown, storage.name, 'write')).toMatchObject({ name: 'QuotaExceededError', code: 'STORAGE_QUOTA' })
    expect(storage.getAll('ns')).toEqual([{ key: 'op-1', value: 'x'.repeat(500) }])
  })

  it('lets a DOMException-like quota error of a hand-made storage through', () => {
    const web = new FakeWebStorage()
    web.setItem = () => {
      throw { name: 'QuotaExceededError' }
    }
    const storage = localStorageStorage(web)
    let thrown: unknown
    try {
      storage.set('ns', 'op-1', 'v')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toEqual({ name: 'QuotaExceededError' })
    expect(classifyStorageError(thrown, storage.name, 'write')).toEqual({
      name: 'QuotaExceededError',
      code: 'STORAGE_QUOTA',
      message: 'rtk-realtime: outbox storage "localstorage" could not write: QuotaExceededError',
    })
  })

  it('throws a clear STORAGE_UNAVAILABLE error at use when there is no localStorage, not when created', () => {
    expect('localStorage' in globalThis).toBe(false)
    const storage = localStorageStorage()
    for (const call of [() => storage.getAll('ns'), () => storage.set('ns', 'k', 'v'), () => storage.delete('ns', 'k'), () => storage.clear('ns')]) {
      expect(call).toThrow('rtk-realtime: localStorage is not available in this environment')
    }
    let thrown: unknown
    try {
      storage.getAll('ns')
    } catch (error) {
      thrown = error
    }
    expect(classifyStorageError(thrown, storage.name, 'read')).toEqual({
      name: 'StorageUnavailableError',
      code: 'STORAGE_UNAVAILABLE',
      message: 'rtk-realtime: outbox storage "localstorage" could not read: localStorage is not available in this environment',
    })
  })

  it('counts a global localStorage without the Storage methods as missing', () => {
    // Some server runtimes define one that only works with a command-line flag.
    ;(globalThis as { localStorage?: unknown }).localStorage = {}
    expect(() => localStorageStorage().set('ns', 'k', 'v')).toThrow('rtk-realtime: localStorage is not available in this environment')
  })

  it('looks the global localStorage up at every call', () => {
    const storage = localStorageStorage()
    expect(() => storage.getAll('ns')).toThrow('not available')
    const first = new FakeWebStorage()
    ;(globalThis as { localStorage?: unknown }).localStorage = first
    storage.set('ns', 'k', 'v')
    expect(first.keys()).toEqual(['rtk-realtime|ns|k'])
    ;(globalThis as { localStorage?: unknown }).localStorage = new FakeWebStorage()
    expect(storage.getAll('ns')).toEqual([])
  })

  it('lets a SecurityError from reading localStorage through, as STORAGE_UNAVAILABLE', () => {
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException("Failed to read the 'localStorage' property from 'Window': Access is denied for this document.", 'SecurityError')
      },
    })
    const storage = localStorageStorage()
    let thrown: unknown
    try {
      storage.set('ns', 'k', 'v')
    } catch (error) {
      thrown = error
    }
    expect(classifyStorageError(thrown, storage.name, 'write')).toMatchObject({ name: 'SecurityError', code: 'STORAGE_UNAVAILABLE' })
  })

  it.each([null, {}, 'localStorage', { getItem() {}, setItem() {}, removeItem() {}, key() {} }])(
    'refuses %j as the storage with a TypeError naming the API',
    (storage) => {
      expect(() => localStorageStorage(storage as never)).toThrow(TypeError)
      expect(() => localStorageStorage(storage as never)).toThrow(/^rtk-realtime: localStorageStorage\(storage\) must be a Web Storage object .*, got /)
    },
  )
})
