import { describe, it, expect } from 'vitest'
import type { DecodeResult } from '../../src/protocol/codec'
import type { Envelope } from '../../src/protocol/envelope'
import { DEFAULT_MAX_FRAME_BYTES, createJsonCodec } from '../../src/protocol/jsonCodec'

const codec = createJsonCodec()

function accepted(result: DecodeResult): Extract<DecodeResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.reason}`)
  return result
}

function rejected(result: DecodeResult): Extract<DecodeResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.message)}`)
  return result
}

/** A frame `{"type":"X","data":"<filler>"}` padded with `unit` and ASCII to exactly `bytes` bytes. */
function frameOfBytes(bytes: number, unit: string, unitBytes: number): string {
  const head = '{"type":"X","data":"'
  const tail = '"}'
  const room = bytes - head.length - tail.length
  const units = Math.floor(room / unitBytes)
  return head + unit.repeat(units) + 'a'.repeat(room - units * unitBytes) + tail
}

describe('createJsonCodec: round trip', () => {
  it('encodes with JSON.stringify and decodes back to an equal envelope', () => {
    const message: Envelope = {
      type: 'WIDGET_UPDATE',
      id: 'op-1',
      replyTo: 'req-9',
      data: { id: 'w-17', value: 42.5, version: 1234, tags: ['a', 'é', '😀'], nested: { ok: null } },
      seq: 991,
      ts: 1732550000000,
    }
    const frame = codec.encode(message)
    expect(frame).toBe(JSON.stringify(message))
    const result = accepted(codec.decode(frame))
    expect(result.message).toEqual(message)
    expect(result.stripped).toBeUndefined()
  })

  it('accepts a bare type and falsy field values', () => {
    expect(accepted(codec.decode('{"type":"PING"}')).message).toEqual({ type: 'PING' })
    const result = accepted(codec.decode('{"type":"X","id":"","data":null,"seq":0,"ts":-1}'))
    expect(result.message).toEqual({ type: 'X', id: '', data: null, seq: 0, ts: -1 })
    expect(Object.hasOwn(result.message, 'data')).toBe(true)
  })

  it('returns a fresh plain object holding only the envelope fields', () => {
    const result = accepted(codec.decode('{"type":"X","extra":1,"data":{"extra":2},"meta":{"a":1}}'))
    expect(result.message).toEqual({ type: 'X', data: { extra: 2 } })
    expect(Object.keys(result.message).sort()).toEqual(['data', 'type'])
    expect(Object.getPrototypeOf(result.message)).toBe(Object.prototype)
    const again = accepted(codec.decode('{"type":"X","extra":1,"data":{"extra":2},"meta":{"a":1}}'))
    expect(again.message).not.toBe(result.message)
  })

  it('does not report stripping for frames that merely mention the words', () => {
    const result = accepted(
      codec.decode('{"type":"prototype_viewer","data":{"note":"see constructor docs","esc":"caf\\u00e9","p":"__proto__"}}'),
    )
    expect(result.message.data).toEqual({ note: 'see constructor docs', esc: 'café', p: '__proto__' })
    expect(result.stripped).toBeUndefined()
  })
})

describe('createJsonCodec: binary frames', () => {
  it.each([
    ['Buffer', Buffer.from('{"type":"X"}'), 12],
    ['ArrayBuffer', new ArrayBuffer(8), 8],
    ['Uint8Array', new Uint8Array(3), 3],
    ['DataView', new DataView(new ArrayBuffer(5)), 5],
    ['Blob', new Blob(['abcd']), 4],
  ])('refuses a %s and names its size', (_name, frame, bytes) => {
    const result = rejected(codec.decode(frame))
    expect(result.code).toBe('binary_frame')
    expect(result.reason).toBe(`binary frame of ${bytes} bytes (only text frames are accepted)`)
  })

  it('refuses any other non-string value without a size', () => {
    for (const frame of [undefined, null, 42, {}, ['{"type":"X"}'], new String('{"type":"X"}')]) {
      const result = rejected(codec.decode(frame))
      expect(result.code).toBe('binary_frame')
      expect(result.reason).toMatch(/^binary frame of unknown size \(\w+\) \(only text frames are accepted\)$/)
    }
  })

  it('survives a hostile object', () => {
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    expect(rejected(codec.decode(proxy)).code).toBe('binary_frame')
  })
})

describe('createJsonCodec: frame size', () => {
  const limit = 100
  const small = createJsonCodec({ maxFrameBytes: limit })

  it.each([
    ['ASCII', 'a', 1],
    ['é (2 bytes, 1 code unit)', 'é', 2],
    ['€ (3 bytes, 1 code unit)', '€', 3],
    ['😀 (4 bytes, 2 code units)', '😀', 4],
  ])('accepts exactly the limit and refuses one byte more with %s', (_name, unit, unitBytes) => {
    const atLimit = frameOfBytes(limit, unit, unitBytes)
    expect(new TextEncoder().encode(atLimit).length).toBe(limit)
    expect(accepted(small.decode(atLimit)).message.type).toBe('X')

    const over = frameOfBytes(limit + 1, unit, unitBytes)
    const result = rejected(small.decode(over))
    expect(result.code).toBe('frame_too_large')
    if (unitBytes > 1) {
      // The code-unit length is within the limit: only the byte count catches it.
      expect(over.length).toBeLessThanOrEqual(limit)
    }
    // Longer than the limit in code units is too large without counting, hence "at least".
    const size = unitBytes === 1 ? `at least ${limit + 1}` : `${limit + 1}`
    expect(result.reason).toBe(
      `frame of ${size} bytes exceeds the limit of ${limit} bytes (websocket.MAX_FRAME_BYTES)`,
    )
  })

  it('refuses a frame longer than the limit in code units without counting bytes', () => {
    const result = rejected(small.decode('x'.repeat(limit + 50)))
    expect(result.code).toBe('frame_too_large')
    expect(result.reason).toBe(
      `frame of at least ${limit + 50} bytes exceeds the limit of ${limit} bytes (websocket.MAX_FRAME_BYTES)`,
    )
  })

  it('defaults to 1 MiB, counted in bytes', () => {
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(1048576)
    const atLimit = frameOfBytes(DEFAULT_MAX_FRAME_BYTES, 'é', 2)
    expect(atLimit.length).toBeLessThan(DEFAULT_MAX_FRAME_BYTES)
    expect(accepted(codec.decode(atLimit)).message.type).toBe('X')
    const over = frameOfBytes(DEFAULT_MAX_FRAME_BYTES + 1, 'é', 2)
    const result = rejected(codec.decode(over))
    expect(result.code).toBe('frame_too_large')
    expect(result.reason).toContain('1048577 bytes')
    expect(result.reason).toContain('1048576')
    expect(result.reason).toContain('websocket.MAX_FRAME_BYTES')
  })

  it('refuses nonsensical options at creation', () => {
    expect(() => createJsonCodec({ maxFrameBytes: 0 })).toThrow(RangeError)
    expect(() => createJsonCodec({ maxFrameBytes: Number.NaN })).toThrow(RangeError)
    expect(() => createJsonCodec({ maxDepth: 0 })).toThrow(RangeError)
  })
})

describe('createJsonCodec: malformed JSON', () => {
  it.each(['', 'not json', '{"type":', '{"type":"X",}', "{'type':'X'}", '{"type":"X"} trailing'])(
    'refuses %j with the parser message and a preview',
    (frame) => {
      const result = rejected(codec.decode(frame))
      expect(result.code).toBe('malformed_json')
      let parserMessage = ''
      try {
        JSON.parse(frame)
      } catch (error) {
        parserMessage = (error as Error).message
      }
      expect(result.reason).toBe(`malformed JSON: ${parserMessage}; frame starts ${JSON.stringify(frame)}`)
    },
  )

  it('keeps the preview to 80 characters', () => {
    const frame = `{"type":"X","data":"${'y'.repeat(500)}`
    const result = rejected(codec.decode(frame))
    expect(result.code).toBe('malformed_json')
    const match = /frame starts (".*")$/.exec(result.reason)
    expect(match).not.toBeNull()
    const preview = JSON.parse(match?.[1] ?? '""') as string
    expect(preview.length).toBeLessThanOrEqual(80)
    expect(preview.startsWith('{"type":"X","data":"yyy')).toBe(true)
    expect(preview.endsWith('...')).toBe(true)
  })

  it('does not cut a surrogate pair in the preview', () => {
    const frame = `${'a'.repeat(76)}😀${'b'.repeat(40)}`
    const result = rejected(codec.decode(frame))
    const preview = JSON.parse(/frame starts (".*")$/.exec(result.reason)?.[1] ?? '""') as string
    expect(preview).toBe(`${'a'.repeat(76)}...`)
  })
})

describe('createJsonCodec: invalid envelopes', () => {
  it.each([
    ['null', 'frame must be a JSON object (got null)'],
    ['[{"type":"X"}]', 'frame must be a JSON object (got array)'],
    ['42', 'frame must be a JSON object (got 42)'],
    ['"X"', 'frame must be a JSON object (got string)'],
    ['true', 'frame must be a JSON object (got boolean)'],
    ['{}', '"type" must be a non-empty string (missing)'],
    ['{"data":1}', '"type" must be a non-empty string (missing)'],
    ['{"type":""}', '"type" must be a non-empty string (empty)'],
    ['{"type":5}', '"type" must be a non-empty string (got 5)'],
    ['{"type":null}', '"type" must be a non-empty string (got null)'],
    ['{"type":["X"]}', '"type" must be a non-empty string (got array)'],
    ['{"type":"X","id":5}', '"id" must be a string (got 5)'],
    ['{"type":"X","id":null}', '"id" must be a string (got null)'],
    ['{"type":"X","replyTo":{}}', '"replyTo" must be a string (got object)'],
    ['{"type":"X","seq":"1"}', '"seq" must be a finite number (got string)'],
    ['{"type":"X","seq":null}', '"seq" must be a finite number (got null)'],
    ['{"type":"X","ts":1e400}', '"ts" must be a finite number (got Infinity)'],
    ['{"type":"X","ts":-1e400}', '"ts" must be a finite number (got -Infinity)'],
  ])('refuses %s', (frame, reason) => {
    const result = rejected(codec.decode(frame))
    expect(result).toEqual({ ok: false, code: 'invalid_envelope', reason })
  })
})

describe('createJsonCodec: deep nesting', () => {
  it('refuses 10,000 nested arrays in data without throwing', () => {
    const frame = `{"type":"X","data":${'['.repeat(10_000)}${']'.repeat(10_000)}}`
    const result = rejected(codec.decode(frame))
    expect(result).toEqual({
      ok: false,
      code: 'invalid_envelope',
      reason: '"data" is nested deeper than 1000 levels',
    })
  })

  it('refuses 10,000 nested objects in data without throwing', () => {
    const frame = `{"type":"X","data":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`
    expect(rejected(codec.decode(frame)).code).toBe('invalid_envelope')
  })

  it('refuses a 10,000-deep top-level array as a non-object', () => {
    const frame = `${'['.repeat(10_000)}${']'.repeat(10_000)}`
    expect(rejected(codec.decode(frame)).code).toBe('invalid_envelope')
  })

  it('counts the envelope as level 0: maxDepth levels are accepted, one more is not', () => {
    // data with n nested arrays reaches level n.
    const nested = (n: number): string => `{"type":"X","data":${'['.repeat(n)}${']'.repeat(n)}}`
    expect(accepted(codec.decode(nested(1000))).message.type).toBe('X')
    expect(rejected(codec.decode(nested(1001))).code).toBe('invalid_envelope')

    const shallow = createJsonCodec({ maxDepth: 3 })
    expect(accepted(shallow.decode(nested(3))).message.data).toEqual([[[]]])
    expect(rejected(shallow.decode(nested(4))).reason).toBe('"data" is nested deeper than 3 levels')
  })
})
