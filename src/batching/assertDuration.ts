/**
 * Throws a `RangeError` unless `value` is a usable duration in ms: a number `>= 0` (`Infinity`
 * allowed only where `allowInfinity` says so). A `NaN` or negative wait would otherwise turn
 * into a zero-delay timer in the host and fire on every tick, which is far harder to trace.
 */
export function assertDuration(name: string, value: number, allowInfinity = false): void {
  const ok = typeof value === 'number' && value >= 0 && (allowInfinity || Number.isFinite(value))
  if (!ok) {
    const expected = allowInfinity ? 'a number >= 0 or Infinity' : 'a finite number >= 0'
    throw new RangeError(`${name} must be ${expected}, got ${String(value)}`)
  }
}
