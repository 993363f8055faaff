/**
 * Freezes a plain-data tree in place (own enumerable properties, recursively) and returns it.
 *
 * Used on config objects only: they are shared by every part of the store, so a write through one
 * reference must fail loudly instead of changing behaviour everywhere else.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
