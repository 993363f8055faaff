import { afterEach, beforeEach, expect, vi } from 'vitest'

// RTK's serializability and immutability checks report through console.error/warn. A test that
// lets one through fails here, so "the checks stay on and never warn" holds for the whole suite.
let errorSpy: ReturnType<typeof vi.spyOn>
let warnSpy: ReturnType<typeof vi.spyOn>

beforeEach(() => {
  errorSpy = vi.spyOn(console, 'error')
  warnSpy = vi.spyOn(console, 'warn')
})

// Except RTK's note that a check was slow ("ImmutableStateInvariantMiddleware took 57ms, which is
// more than the warning threshold of 32ms"): that measures how busy the machine is, not the code.
const SLOW_CHECK = /^(Immutable|Serializable)StateInvariantMiddleware took \d+ms, which is more than the warning threshold/

afterEach(() => {
  const calls = [...errorSpy.mock.calls, ...warnSpy.mock.calls]
    .map((args) => args.map(String).join(' '))
    .filter((text) => !SLOW_CHECK.test(text))
  errorSpy.mockRestore()
  warnSpy.mockRestore()
  expect(calls, 'console.error/console.warn was called (a serializability warning?)').toEqual([])
})
