/**
 * The state of `collection` in a map of the declared collections (the entities' or the sync's),
 * or the error that tells how to declare it. One helper, so the selectors say it the same way.
 */
export function declaredCollection<T>(collections: Readonly<Record<string, T>>, collection: string): T {
  if (!Object.hasOwn(collections, collection)) {
    throw new Error(`rtk-realtime: no collection "${collection}"; declare it in createRealtime({ collections })`)
  }
  return collections[collection]!
}
