import { describe, expect, it } from 'vitest'
import { formatValue, MAX_FORMATTED_LENGTH } from '../../src/config/formatValue'

describe('formatValue', () => {
  it.each([
    ['ws://x', '"ws://x"'],
    ['', '""'],
    [-5, '-5'],
    [0.5, '0.5'],
    [-0, '-0'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [10n, '10n'],
    [true, 'true'],
    [undefined, 'undefined'],
    [null, 'null'],
    [() => 1, 'function'],
    [Symbol('s'), 'Symbol(s)'],
    [[1, 'a'], '[1,"a"]'],
    [{ a: 1 }, '{"a":1}'],
    [new Date(0), '"1970-01-01T00:00:00.000Z"'],
  ])('renders %s as %s', (value, expected) => {
    expect(formatValue(value)).toBe(expected)
  })

  it('never throws on values JSON cannot handle', () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(formatValue(circular)).toBe('[object Object]')
    expect(formatValue({ big: 1n })).toBe('[object Object]')
    expect(formatValue({ toJSON: () => { throw new Error('boom') } })).toBe('[object Object]')
    expect(formatValue(Object.create(null))).toBe('{}')
    expect(formatValue(new Map([[1, 2]]))).toBe('{}')
  })

  it('truncates long renderings', () => {
    const text = formatValue('x'.repeat(500))
    expect(text).toHaveLength(MAX_FORMATTED_LENGTH)
    expect(text.startsWith('"xxx')).toBe(true)
    expect(text.endsWith('…')).toBe(true)
    expect(formatValue('x'.repeat(MAX_FORMATTED_LENGTH - 2))).toHaveLength(MAX_FORMATTED_LENGTH)
  })
})
