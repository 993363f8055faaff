import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { countUtf8Bytes, utf8ByteLength } from '../../src/protocol/frameSize'

const encoder = new TextEncoder()

describe.each([
  ['utf8ByteLength', utf8ByteLength],
  ['countUtf8Bytes', countUtf8Bytes],
])('%s', (_name, byteLength) => {
  it('counts 1, 2, 3 and 4 byte characters', () => {
    expect(byteLength('')).toBe(0)
    expect(byteLength('abc')).toBe(3)
    expect(byteLength('é')).toBe(2)
    expect(byteLength('€')).toBe(3)
    expect(byteLength('😀')).toBe(4)
    expect(byteLength('a😀é€')).toBe(1 + 4 + 2 + 3)
  })

  it('counts a lone surrogate as the 3-byte replacement character', () => {
    expect(byteLength('\ud800')).toBe(3)
    expect(byteLength('\udc00')).toBe(3)
    expect(byteLength('\ud800a')).toBe(4)
    expect(byteLength('\udc00\ud800')).toBe(6)
  })

  it('agrees with TextEncoder for any string, including lone surrogates', () => {
    const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: anyCodeUnit })),
        // A boolean rather than expect(): expect() per run is far slower under vitest.
        (text) => byteLength(text) === encoder.encode(text).length,
      ),
      { numRuns: 300 },
    )
  })

  it('counts across chunk boundaries without splitting surrogate pairs', () => {
    // Longer than the 16 KiB scratch buffer, with pairs and 3-byte characters at odd offsets.
    const text = `${'a'.repeat(16383)}😀${'€'.repeat(7000)}é${'😀'.repeat(5000)}\ud800`
    expect(byteLength(text)).toBe(encoder.encode(text).length)
  })
})
