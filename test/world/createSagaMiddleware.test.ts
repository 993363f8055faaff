import { describe, expect, it } from 'vitest'
import { createSagaMiddleware, resolveDefaultExport } from '../../src/world/createSagaMiddleware'

describe('createSagaMiddleware (redux-saga default-export interop)', () => {
  const fn = () => 'called'

  it('takes the default export as the function itself (ESM, bundlers)', () => {
    expect(resolveDefaultExport(fn, 'x')).toBe(fn)
  })

  it("takes it from the module object (the CommonJS build: Node's ESM semantics for a default import)", () => {
    expect(resolveDefaultExport({ __esModule: true, default: fn, other: 1 }, 'x')).toBe(fn)
    expect(resolveDefaultExport({ default: { default: fn } }, 'x')).toBe(fn)
  })

  it('throws an error naming the module when there is no function', () => {
    expect(() => resolveDefaultExport({ default: 42 }, 'redux-saga')).toThrow(/default export of 'redux-saga' is not a function/)
    expect(() => resolveDefaultExport(undefined, 'redux-saga')).toThrow(/got undefined/)
    expect(() => resolveDefaultExport({ buffers: {} }, 'redux-saga')).toThrow(/keys buffers/)
  })

  it('makes a working saga middleware', () => {
    const middleware = createSagaMiddleware()
    expect(typeof middleware).toBe('function')
    expect(typeof middleware.run).toBe('function')
  })
})
