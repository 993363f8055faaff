import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import type { DecodeResult } from '../../src/protocol/codec'
import { createJsonCodec } from '../../src/protocol/jsonCodec'

const codec = createJsonCodec()

function accepted(result: DecodeResult): Extract<DecodeResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.reason}`)
  return result
}

/** The textbook vulnerable deep merge: assigns through `target[key]`, prototype setter included. */
function naiveMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const key in source) {
    const value = source[key]
    if (typeof value === 'object' && value !== null) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {}
      naiveMerge(target[key] as Record<string, unknown>, value as Record<string, unknown>)
    } else {
      target[key] = value
    }
  }
  return target
}

let objectKeysBefore: string[]
let arrayKeysBefore: string[]

beforeEach(() => {
  objectKeysBefore = Object.getOwnPropertyNames(Object.prototype)
  arrayKeysBefore = Object.getOwnPropertyNames(Array.prototype)
})

afterEach(() => {
  // Every test ends by proving the global prototypes are untouched.
  expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(objectKeysBefore)
  expect(Object.getOwnPropertyNames(Array.prototype)).toEqual(arrayKeysBefore)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined()
})

/** Uses the decoded data the careless ways application code might, then checks for damage. */
function expectHarmlessWhenMerged(data: unknown): void {
  const source = data as Record<string, unknown>
  const spread = { ...source }
  const assigned = Object.assign({}, source)
  const merged = naiveMerge({}, source)
  for (const target of [spread, assigned, merged]) {
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype)
    expect((target as Record<string, unknown>).polluted).toBeUndefined()
  }
}

describe('createJsonCodec: prototype pollution', () => {
  it('the threat is real: raw JSON.parse output poisons what a naive merge or Object.assign touches', () => {
    // Aimed at a private prototype so the control cannot damage the global one.
    const privateProto: Record<string, unknown> = {}
    naiveMerge(Object.create(privateProto), JSON.parse('{"__proto__":{"polluted":true}}'))
    expect(privateProto.polluted).toBe(true)
    const hijacked = Object.assign({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>
    expect(hijacked.polluted).toBe(true)
  })

  it('strips __proto__ inside data', () => {
    const result = accepted(codec.decode('{"type":"X","data":{"__proto__":{"polluted":true},"keep":1}}'))
    expect(result.stripped).toEqual(['data.__proto__'])
    expect(result.message).toEqual({ type: 'X', data: { keep: 1 } })
    expect(Object.hasOwn(result.message.data as object, '__proto__')).toBe(false)
    expectHarmlessWhenMerged(result.message.data)

    // The merge that poisoned the private prototype above does nothing with decoded data.
    const privateProto: Record<string, unknown> = {}
    naiveMerge(Object.create(privateProto), result.message.data as Record<string, unknown>)
    expect(privateProto.polluted).toBeUndefined()
  })

  it('strips __proto__ when data itself is the forbidden object', () => {
    const result = accepted(codec.decode('{"type":"X","data":{"__proto__":{"polluted":true}}}'))
    expect(result.stripped).toEqual(['data.__proto__'])
    expect(result.message.data).toEqual({})
    expectHarmlessWhenMerged(result.message.data)
  })

  it('strips forbidden keys nested in arrays', () => {
    const frame =
      '{"type":"X","data":{"items":[{"id":1},{"id":2,"__proto__":{"polluted":true}},[{"prototype":{"polluted":true}}]]}}'
    const result = accepted(codec.decode(frame))
    expect(result.stripped).toEqual(['data.items.1.__proto__', 'data.items.2.0.prototype'])
    expect(result.message.data).toEqual({ items: [{ id: 1 }, { id: 2 }, [{}]] })
    const items = (result.message.data as { items: unknown[] }).items
    expectHarmlessWhenMerged(items[1])
    expectHarmlessWhenMerged(items)
  })

  it('strips a key spelled with \\u escapes', () => {
    const frame = '{"type":"X","data":{"\\u005f_proto__":{"polluted":true},"\\u0063onstructor":{"prototype":{"polluted":true}}}}'
    const result = accepted(codec.decode(frame))
    expect(result.stripped).toEqual(['data.__proto__', 'data.constructor'])
    expect(result.message.data).toEqual({})
    expectHarmlessWhenMerged(result.message.data)
  })

  it('strips a key escaped with uppercase hex digits', () => {
    const result = accepted(codec.decode('{"type":"X","data":{"\\u005F_proto__":{"polluted":true},"protot\\u0079pe":1}}'))
    expect(result.stripped).toEqual(['data.__proto__', 'data.prototype'])
    expect(result.message.data).toEqual({})
  })

  it('strips a fully escaped key', () => {
    const escaped = [...'__proto__'].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
    const result = accepted(codec.decode(`{"type":"X","data":{"a":{"${escaped}":{"polluted":true}}}}`))
    expect(result.stripped).toEqual(['data.a.__proto__'])
    expect(result.message.data).toEqual({ a: {} })
  })

  it('strips constructor.prototype chains', () => {
    const frame = '{"type":"X","data":{"constructor":{"prototype":{"polluted":true}},"x":{"y":{"constructor":{"prototype":{"polluted":true}}}}}}'
    const result = accepted(codec.decode(frame))
    // The whole constructor subtree goes, so its inner prototype is not listed separately.
    expect(result.stripped).toEqual(['data.constructor', 'data.x.y.constructor'])
    expect(result.message.data).toEqual({ x: { y: {} } })
    expectHarmlessWhenMerged(result.message.data)
    const inner = (result.message.data as { x: { y: Record<string, unknown> } }).x.y
    // The inherited constructor is back to the real one: nothing own shadows it.
    expect(inner.constructor).toBe(Object)
  })

  it('strips forbidden top-level keys and never copies them into the message', () => {
    const frame = '{"type":"X","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1,"data":1}'
    const result = accepted(codec.decode(frame))
    expect(result.stripped).toEqual(['__proto__', 'constructor', 'prototype'])
    expect(result.message).toEqual({ type: 'X', data: 1 })
    expect(Object.getPrototypeOf(result.message)).toBe(Object.prototype)
    expect(Object.keys(result.message)).toEqual(['type', 'data'])
    expectHarmlessWhenMerged(result.message)
  })

  it('does not let a top-level __proto__ supply envelope fields', () => {
    const result = accepted(codec.decode('{"type":"X","__proto__":{"id":"forged","seq":7}}'))
    expect(result.message).toEqual({ type: 'X' })
  })

  it('copes with a frame holding more forbidden keys than a call takes arguments', () => {
    // Around 130k arguments overflow the stack on Node 20; a 4 MiB limit lets 200k keys through.
    const entries = 200_000
    const frame = `{"type":"X","data":[${Array(entries).fill('{"__proto__":0}').join(',')}]}`
    const result = accepted(createJsonCodec({ maxFrameBytes: 4 * 1048576 }).decode(frame))
    // Every key is removed; only the first 100 are listed.
    expect(result.stripped).toHaveLength(100)
    expect(result.stripped?.[99]).toBe('data.99.__proto__')
    const items = result.message.data as object[]
    expect(items).toHaveLength(entries)
    expect(items.every((item) => Object.keys(item).length === 0)).toBe(true)
  })

  it('keeps the report small when many forbidden keys sit deep down', () => {
    // Listing all 50k paths of 900 segments each would build about 90 MB of strings.
    const siblings = Array(50_000).fill('{"__proto__":0}').join(',')
    const frame = `{"type":"X","data":${'['.repeat(900)}${siblings}${']'.repeat(900)}}`
    const result = accepted(codec.decode(frame))
    expect(result.stripped).toHaveLength(100)
    expect(result.stripped?.reduce((sum, path) => sum + path.length, 0)).toBeLessThan(200_000)
  })

  it('strips forbidden keys in deep but allowed nesting', () => {
    const frame = `{"type":"X","data":${'['.repeat(900)}{"__proto__":{"polluted":true}}${']'.repeat(900)}}`
    const result = accepted(codec.decode(frame))
    expect(result.stripped).toEqual([`data.${Array(900).fill('0').join('.')}.__proto__`])
  })
})
