import { describe, expect, it } from 'vitest'
import { classifyStorageError } from '../../../src/outbox/storage/classifyStorageError'
import { StorageUnavailableError } from '../../../src/outbox/storage/StorageUnavailableError'

describe('classifyStorageError', () => {
  it('reports a full storage as STORAGE_QUOTA, naming the storage and the operation', () => {
    const thrown = new DOMException("Failed to execute 'setItem' on 'Storage': Setting the value of 'k' exceeded the quota.", 'QuotaExceededError')
    expect(classifyStorageError(thrown, 'localstorage', 'write')).toEqual({
      name: 'QuotaExceededError',
      code: 'STORAGE_QUOTA',
      message: `rtk-realtime: outbox storage "localstorage" could not write: ${thrown.message}`,
    })
  })

  it.each([
    ['a DOMException-like object', { name: 'QuotaExceededError' }],
    ["old Firefox's name", { name: 'NS_ERROR_DOM_QUOTA_REACHED', message: 'Persistent storage maximum size reached' }],
    ["old Firefox's code", { name: 'Error', code: 1014, message: 'full' }],
    ['the legacy DOMException code 22', { name: 'Error', code: 22, message: 'full' }],
    ['any name about a quota', { name: 'StorageQuotaError', message: 'full' }],
  ])('recognizes a quota error by %s', (_, thrown) => {
    expect(classifyStorageError(thrown, 'indexeddb', 'write').code).toBe('STORAGE_QUOTA')
  })

  it.each([
    ['a SecurityError', new DOMException('The operation is insecure.', 'SecurityError')],
    ['a closed database (InvalidStateError)', new DOMException('The database connection is closing.', 'InvalidStateError')],
    ['a missing storage API', new StorageUnavailableError('rtk-realtime: indexedDB is not available in this environment')],
  ])('reports %s as STORAGE_UNAVAILABLE', (_, thrown) => {
    expect(classifyStorageError(thrown, 'indexeddb', 'read').code).toBe('STORAGE_UNAVAILABLE')
  })

  it('reports anything else as STORAGE_FAILED, keeping its name', () => {
    const error = classifyStorageError(new DOMException('Internal error.', 'UnknownError'), 'indexeddb', 'delete')
    expect(error).toEqual({
      name: 'UnknownError',
      code: 'STORAGE_FAILED',
      message: 'rtk-realtime: outbox storage "indexeddb" could not delete: Internal error.',
    })
    expect(classifyStorageError(new TypeError('x is not a function'), 'custom', 'clear').code).toBe('STORAGE_FAILED')
  })

  it('does not repeat the rtk-realtime: prefix of a message that already has it', () => {
    const thrown = new StorageUnavailableError('rtk-realtime: localStorage is not available in this environment')
    expect(classifyStorageError(thrown, 'localstorage', 'read').message).toBe(
      'rtk-realtime: outbox storage "localstorage" could not read: localStorage is not available in this environment',
    )
  })

  it('describes a thrown non-Error with plain strings', () => {
    expect(classifyStorageError('disk on fire', 'custom', 'write')).toEqual({
      name: 'OutboxStorageError',
      code: 'STORAGE_FAILED',
      message: 'rtk-realtime: outbox storage "custom" could not write: disk on fire',
    })
    expect(classifyStorageError({ reason: 42 }, 'custom', 'read').message).toBe('rtk-realtime: outbox storage "custom" could not read: {"reason":42}')
    expect(classifyStorageError(undefined, 'custom', 'read').message).toBe('rtk-realtime: outbox storage "custom" could not read: undefined')
    expect(classifyStorageError({ name: 'QuotaExceededError' }, 'custom', 'write').message).toBe(
      'rtk-realtime: outbox storage "custom" could not write: QuotaExceededError',
    )
  })

  it('keeps only strings: nothing of the thrown object, and survives throwing getters', () => {
    const cause = new Error('inner')
    const thrown = Object.assign(new Error('outer'), { cause, code: { nested: true } })
    const error = classifyStorageError(thrown, 'custom', 'write')
    expect(Object.values(error).every((value) => typeof value === 'string')).toBe(true)
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'name'])

    const hostile = new Proxy({}, { get: () => { throw new Error('no reading me') } })
    expect(classifyStorageError(hostile, 'custom', 'read')).toEqual({
      name: 'OutboxStorageError',
      code: 'STORAGE_FAILED',
      message: 'rtk-realtime: outbox storage "custom" could not read: an unreadable value',
    })
  })
})
