import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import type { DecodeResult } from '../../src/protocol/codec'
import type { Envelope } from '../../src/protocol/envelope'
import { createJsonCodec } from '../../src/protocol/jsonCodec'
import { FORBIDDEN_KEYS } from '../../src/protocol/sanitize'

const codec = createJsonCodec()
const forbidden = new Set<string>(FORBIDDEN_KEYS)
const codes = new Set([
  'binary_frame',
  'frame_too_large',
  'malformed_json',
  'invalid_envelope',
  'forbidden_key',
  'validation_failed',
])

function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some(hasForbiddenKey)
  const record = value as Record<string, unknown>
  return Object.keys(record).some((key) => forbidden.has(key) || hasForbiddenKey(record[key]))
}

/** JSON has no -0: it travels as 0, so that is what a round trip must give back. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(withoutNegativeZero)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: withoutNegativeZero((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

/** Whatever the input, the result has one of the two documented shapes. */
function expectWellFormed(result: DecodeResult): void {
  if (result.ok) {
    expect(typeof result.message.type).toBe('string')
    expect(result.message.type).not.toBe('')
    expect(Object.getPrototypeOf(result.message)).toBe(Object.prototype)
    for (const key of Object.keys(result.message)) {
      expect(['type', 'id', 'replyTo', 'data', 'seq', 'ts']).toContain(key)
    }
    expect(hasForbiddenKey(result.message)).toBe(false)
  } else {
    expect(codes.has(result.code)).toBe(true)
    expect(typeof result.reason).toBe('string')
    expect(result.reason.length).toBeGreaterThan(0)
  }
}

const envelope: fc.Arbitrary<Envelope> = fc.record(
  {
    type: fc.string({ minLength: 1 }),
    id: fc.string({ unit: 'binary' }),
    replyTo: fc.string(),
    data: fc.jsonValue(),
    seq: fc.integer({ min: 0 }),
    ts: fc.double({ noNaN: true, noDefaultInfinity: true }),
  },
  { requiredKeys: ['type'] },
)

/** JSON text in which some objects carry forbidden keys, some spelled with \u escapes. */
const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.string(), fc.constant(null)).map((primitive) => JSON.stringify(primitive)),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('a', 'b', '__proto__', 'constructor', 'prototype').map((key) => JSON.stringify(key)),
            fc.constantFrom(
              '"\\u005f_proto__"',
              '"\\u005F_proto__"',
              '"\\u0063onstructor"',
              '"protot\\u0079pe"',
              '"caf\\u00e9"',
            ),
            fc.string().map((key) => JSON.stringify(key)),
          ),
          tie('value'),
        ),
        { maxLength: 4 },
      )
      .map((entries) => `{${entries.map(([key, value]) => `${key}:${value}`).join(',')}}`),
  ),
})).value as fc.Arbitrary<string>

describe('createJsonCodec: properties', () => {
  it('decode(encode(m)) equals m for any envelope without forbidden keys', () => {
    fc.assert(
      fc.property(envelope, (message) => {
        fc.pre(!hasForbiddenKey(message.data))
        const result = codec.decode(codec.encode(message))
        expect(result.ok).toBe(true)
        if (!result.ok) return
        expect(result.message).toEqual(withoutNegativeZero(message))
        expect(result.stripped).toBeUndefined()
      }),
      { numRuns: 500 },
    )
  })

  it('never leaves a forbidden key and never touches Object.prototype, whatever the server sends', () => {
    const before = Object.getOwnPropertyNames(Object.prototype)
    fc.assert(
      fc.property(hostileJson, (dataText) => {
        const frame = `{"type":"X","data":${dataText}}`
        const result = codec.decode(frame)
        expectWellFormed(result)
        expect(result.ok).toBe(true)
        if (!result.ok) return
        // Removing forbidden keys is all that happened: the rest equals the parsed text.
        const expected = JSON.parse(frame, (key, value: unknown) => (forbidden.has(key) ? undefined : value))
        expect(result.message.data).toEqual(expected.data)
        expect((result.stripped ?? []).length > 0).toBe(hasForbiddenKey(JSON.parse(frame).data))
        const data = result.message.data
        if (typeof data === 'object' && data !== null) Object.assign({}, data, { ...data })
        expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before)
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      }),
      { numRuns: 500 },
    )
  })

  it('never throws for arbitrary strings', () => {
    const frames = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string(),
      fc.json(),
      fc.json().map((text) => `{"type":"T","data":${text}}`),
    )
    fc.assert(
      fc.property(frames, (frame) => {
        expectWellFormed(codec.decode(frame))
      }),
      { numRuns: 1000 },
    )
  })

  it('never throws for arbitrary values', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    })
    fc.assert(
      fc.property(anything, (frame) => {
        const result = codec.decode(frame)
        expectWellFormed(result)
        if (typeof frame !== 'string') expect(result).toMatchObject({ ok: false, code: 'binary_frame' })
      }),
      { numRuns: 1000 },
    )
  })
})
