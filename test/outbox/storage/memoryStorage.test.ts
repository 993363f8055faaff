import { describe, expect, it } from 'vitest'
import { memoryStorage } from '../../../src/outbox/storage/memoryStorage'
import { describeStorageContract } from './storageContract'

describeStorageContract('memory', () => {
  const shared = memoryStorage()
  return () => shared
})

describe('memoryStorage', () => {
  it('answers synchronously', () => {
    const storage = memoryStorage()
    expect(storage.set('ns', 'k', 'v')).toBeUndefined()
    expect(storage.getAll('ns')).toEqual([{ key: 'k', value: 'v' }])
    expect(storage.delete('ns', 'k')).toBeUndefined()
    expect(storage.clear('ns')).toBeUndefined()
    expect(storage.getAll('ns')).toEqual([])
  })

  it('makes an independent store on every call', () => {
    const first = memoryStorage()
    const second = memoryStorage()
    first.set('ns', 'k', 'v')
    expect(second.getAll('ns')).toEqual([])
  })

  it('exposes only the OutboxStorage members', () => {
    expect(Object.keys(memoryStorage()).sort()).toEqual(['clear', 'delete', 'getAll', 'name', 'set'])
  })
})
