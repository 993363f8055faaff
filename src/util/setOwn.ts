/**
 * Writes `value` as an own data property of `target`. Keys are data (entity ids come from the
 * server), so `"__proto__"` must be stored like any other key: a plain assignment would call the
 * prototype setter instead and swap the object's prototype.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
  else target[key] = value
}
