import { deepEqual } from './deepEqual'
import { isPlainObject } from './isPlainObject'

/** Top-level fields whose values differ between two objects (none when either is not one). */
export function changedFields(before: unknown, after: unknown): string[] {
  if (!isPlainObject(before) || !isPlainObject(after)) return []
  const fields: string[] = []
  for (const field of Object.keys(before)) if (!deepEqual(before[field], after[field])) fields.push(field)
  for (const field of Object.keys(after)) if (!Object.hasOwn(before, field)) fields.push(field)
  return fields
}
