import { describe, expect, it } from 'vitest'
import * as storage from '../../../src/outbox/storage'

describe('outbox storage entry point', () => {
  it('exports the adapters, resolveStorage, classifyStorageError and StorageUnavailableError, and nothing else', () => {
    expect(Object.keys(storage).sort()).toEqual([
      'StorageUnavailableError',
      'classifyStorageError',
      'indexedDbStorage',
      'localStorageStorage',
      'memoryStorage',
      'resolveStorage',
    ])
  })
})
