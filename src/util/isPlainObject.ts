/**
 * True for `{}` literals, `Object.create(null)` and objects from another realm (iframe, vm);
 * false for arrays, class instances, `Date`, `Map`, and objects whose prototype was swapped
 * (e.g. a literal `{ __proto__: {...} }`), so nothing from a foreign prototype chain is read.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === null) return true
  // Another realm's Object.prototype is the only prototype whose own prototype is null.
  return Object.getPrototypeOf(proto) === null
}
