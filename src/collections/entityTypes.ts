/**
 * Type-level links from a collection's declaration to its entity type. Nothing here exists at run
 * time: the entity type rides on the definition as a phantom property, so `createRealtime` can read
 * it back from `collections` and type the selectors and hooks by collection name.
 */

// Never assigned: a key no object has, so the phantom property cannot clash with a real option.
declare const entityType: unique symbol

/** Carries the entity type `T` of a collection definition (see {@link collection}). Type-only. */
export interface EntityTyped<T> {
  /** @internal type-only: never present at run time. Boxed, so reading it back does not add `undefined`. */
  readonly [entityType]?: { readonly entity: T }
}

/** The entity type a collection definition declares; `unknown` for an untyped definition. */
export type EntityOf<D> = D extends { readonly [entityType]?: { readonly entity: infer T } } ? T : unknown

/** Entity types by collection name, read from `createRealtime({ collections })`. */
export type EntitiesOf<Collections> = { [K in keyof Collections & string]: EntityOf<Collections[K]> }

/** Entity types by collection name when nothing is known: any name, `unknown` entities. */
export type AnyEntities = Record<string, unknown>

/** A declared collection's name. */
export type CollectionName<Entities> = keyof Entities & string
