import { bucketEach, bucketGet } from '../util/buckets'
import { setOwn } from '../util/setOwn'
import type { AnyEntities, CollectionName } from './entityTypes'
import type { CollectionsState, EntityRecord } from './types'

/**
 * Selectors over the root state for the entities of collections. Each takes the root state first.
 * `Entities` maps each declared collection to its entity type (from `collection<T>()`), so a
 * misspelt collection does not compile. @default any name, `unknown` entities
 */
export interface EntitySelectors<Entities = AnyEntities> {
  /** What the UI shows for one entity (`view`; null when deleted), or undefined when the package knows nothing of it. */
  selectEntity<C extends CollectionName<Entities>>(state: unknown, collection: C, key: string): Entities[C] | null | undefined
  /** `{ confirmed, version, view }` of one entity. */
  selectEntityRecord<C extends CollectionName<Entities>>(state: unknown, collection: C, key: string): EntityRecord<Entities[C]> | undefined
  /** Every entity's view by key (deleted ones left out); the same object while nothing changed. */
  selectEntities<C extends CollectionName<Entities>>(state: unknown, collection: C): Record<string, Entities[C]>
}

/** Builds the entity selectors over `selectCollections(rootState)`. */
export function createEntitySelectors(selectCollections: (state: unknown) => CollectionsState): EntitySelectors {
  const viewsCache = new WeakMap<object, Record<string, unknown>>()
  const collectionOf = (state: unknown, collection: string) => {
    const collections = selectCollections(state)
    if (!Object.hasOwn(collections, collection)) {
      throw new Error(`rtk-realtime: no collection "${collection}"; declare it in createRealtime({ collections })`)
    }
    return collections[collection]!
  }
  // Built untyped: the entity types exist only for the compiler (see entityTypes.ts).
  const selectors: EntitySelectors = {
    selectEntity(state, collection, key) {
      const record = bucketGet(collectionOf(state, collection).entities, key)
      return record === undefined ? undefined : record.view
    },
    selectEntityRecord: (state, collection, key) => bucketGet(collectionOf(state, collection).entities, key),
    selectEntities(state, collection) {
      const entities = collectionOf(state, collection).entities
      let views = viewsCache.get(entities)
      if (!views) {
        const found: Record<string, unknown> = {}
        bucketEach(entities, (record, key) => {
          if (record.view !== null) setOwn(found, key, record.view)
        })
        views = found
        viewsCache.set(entities, views)
      }
      return views
    },
  }
  return selectors
}
