import { describe, it, expect } from 'vitest'
import {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_REPORTED_PATHS,
  FORBIDDEN_KEYS,
  stripForbiddenKeys,
} from '../../src/protocol/sanitize'

/** Nests `leaf` inside `levels` arrays without recursion. */
function nestArrays(levels: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf
  for (let i = 0; i < levels; i++) value = [value]
  return value
}

describe('FORBIDDEN_KEYS', () => {
  it('lists the three prototype-reaching keys and cannot be changed', () => {
    expect([...FORBIDDEN_KEYS]).toEqual(['__proto__', 'constructor', 'prototype'])
    expect(Object.isFrozen(FORBIDDEN_KEYS)).toBe(true)
  })
})

describe('stripForbiddenKeys', () => {
  it('passes primitives through', () => {
    for (const value of [null, undefined, 0, 'x', true]) {
      expect(stripForbiddenKeys(value)).toEqual({ value, stripped: [], strippedCount: 0, tooDeep: false })
    }
  })

  it('returns the same reference when nothing needs removing', () => {
    const value = { a: [1, { b: 'c' }], d: { e: null } }
    const result = stripForbiddenKeys(value, 'data')
    expect(result.value).toBe(value)
    expect(result.stripped).toEqual([])
    expect(result.tooDeep).toBe(false)
  })

  it('removes own __proto__ keys created by JSON.parse and reports their paths', () => {
    const value = JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":{"c":2,"__proto__":{"x":1}}}')
    const result = stripForbiddenKeys(value, 'data')
    expect(result.stripped).toEqual(['data.__proto__', 'data.b.__proto__'])
    expect(result.strippedCount).toBe(2)
    expect(result.value).toEqual({ a: 1, b: { c: 2 } })
    const out = result.value as Record<string, unknown>
    expect(Object.hasOwn(out, '__proto__')).toBe(false)
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(out.b)).toBe(Object.prototype)
  })

  it('walks arrays and reports index paths', () => {
    const value = JSON.parse('{"items":[{"ok":1},{"constructor":{"prototype":{"polluted":true}},"keep":2}]}')
    const result = stripForbiddenKeys(value, 'data')
    expect(result.stripped).toEqual(['data.items.1.constructor'])
    expect(result.value).toEqual({ items: [{ ok: 1 }, { keep: 2 }] })
  })

  it('reports paths without a prefix when none is given', () => {
    const result = stripForbiddenKeys(JSON.parse('[{"prototype":1}]'))
    expect(result.stripped).toEqual(['0.prototype'])
    expect(result.value).toEqual([{}])
  })

  it('copies only the containers on the way to a removed key and never mutates the input', () => {
    const text = '{"left":{"deep":[1,2]},"right":{"inner":{"__proto__":{"x":1},"y":2}},"list":[{"a":1}]}'
    const value = JSON.parse(text)
    const result = stripForbiddenKeys(value)
    const out = result.value as Record<string, Record<string, unknown>>
    expect(out).not.toBe(value)
    expect(out.left).toBe(value.left)
    expect(out.list).toBe(value.list)
    expect(out.right).not.toBe(value.right)
    expect(out.right?.inner).toEqual({ y: 2 })
    expect(JSON.stringify(value)).toBe(text)
  })

  it('keeps key order and values of the surviving entries', () => {
    const value = JSON.parse('{"a":1,"b":2,"__proto__":3,"c":[4],"constructor":5,"d":6}')
    const result = stripForbiddenKeys(value)
    expect(Object.keys(result.value as object)).toEqual(['a', 'b', 'c', 'd'])
    expect(result.stripped).toEqual(['__proto__', 'constructor'])
  })

  it('lists at most maxReportedPaths paths but removes and counts every key', () => {
    const value = JSON.parse(`[${Array(250).fill('{"__proto__":1,"k":2}').join(',')}]`)
    const result = stripForbiddenKeys(value, 'data')
    expect(result.strippedCount).toBe(250)
    expect(result.stripped).toHaveLength(DEFAULT_MAX_REPORTED_PATHS)
    expect(result.stripped[99]).toBe('data.99.__proto__')
    expect((result.value as unknown[]).every((item) => JSON.stringify(item) === '{"k":2}')).toBe(true)

    const few = stripForbiddenKeys(value, '', { maxReportedPaths: 2 })
    expect(few.stripped).toEqual(['0.__proto__', '1.__proto__'])
    expect(few.strippedCount).toBe(250)
  })

  it('walks 10,000 levels without recursion when allowed to', () => {
    const leaf = JSON.parse('{"__proto__":{"polluted":true}}')
    const value = nestArrays(10_000, leaf)
    const result = stripForbiddenKeys(value, 'data', { maxDepth: 20_000 })
    expect(result.tooDeep).toBe(false)
    expect(result.stripped).toEqual([`data.${Array(10_000).fill('0').join('.')}.__proto__`])
  })

  it('stops past maxDepth with a flag instead of throwing', () => {
    const result = stripForbiddenKeys(nestArrays(10_000))
    expect(result).toEqual({ value: undefined, stripped: [], strippedCount: 0, tooDeep: true })
  })

  it('accepts exactly maxDepth levels below the root and refuses one more', () => {
    // nestArrays(n) has its outermost array at level 0 and its innermost at level n - 1.
    expect(stripForbiddenKeys(nestArrays(DEFAULT_MAX_DEPTH + 1)).tooDeep).toBe(false)
    expect(stripForbiddenKeys(nestArrays(DEFAULT_MAX_DEPTH + 2)).tooDeep).toBe(true)
    expect(stripForbiddenKeys(nestArrays(4), '', { maxDepth: 3 }).tooDeep).toBe(false)
    expect(stripForbiddenKeys(nestArrays(5), '', { maxDepth: 3 }).tooDeep).toBe(true)
  })

  it('ends on cyclic input through the depth limit', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    expect(stripForbiddenKeys(cyclic).tooDeep).toBe(true)
  })

  it('never touches Object.prototype while copying', () => {
    const before = Object.getOwnPropertyNames(Object.prototype)
    const value = JSON.parse('{"a":{"__proto__":{"polluted":true},"b":1},"c":[{"constructor":{"prototype":{"polluted":true}}}]}')
    const result = stripForbiddenKeys(value)
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(result.value).toEqual({ a: { b: 1 }, c: [{}] })
  })
})
