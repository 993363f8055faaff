import { isPlainObject } from '../util/isPlainObject'
import type { CollectionDefinition } from './defineCollections'

/**
 * Declares a collection with its entity type, for `createRealtime({ collections })`. It returns the
 * definition it is given (plain config, nothing added): `T` exists only for the compiler, which
 * then types `selectEntity(state, 'widgets', key)`, `useEntity('widgets', key)` and the other
 * selectors and hooks by collection name. `T` is not checked at run time: give the collection a
 * `validate` (or `parse`) for that.
 *
 * @throws {TypeError} naming `collection()` when `definition` is not a plain object.
 * @example
 * const realtime = createRealtime({
 *   collections: { widgets: collection<Widget>({ updates: ['WIDGET_UPDATE'] }) },
 * })
 * realtime.selectors.selectEntity(state, 'widgets', 'w-1') // Widget | null | undefined
 */
export function collection<T>(definition: CollectionDefinition<T> = {}): CollectionDefinition<T> {
  if (!isPlainObject(definition)) {
    throw new TypeError('rtk-realtime: collection<T>(definition): definition must be an object { updates?, parse?, validate?, load? }')
  }
  return definition as CollectionDefinition<T>
}
