import type { Buckets } from '../util/buckets'

/**
 * One entity as the package holds it: the server's truth and what the UI reads.
 * `view` is `confirmed` with the entity's pending ops applied, in creation order.
 */
export interface EntityRecord<T = unknown> {
  /** The server's value; null when the entity does not exist (yet) or was deleted. */
  confirmed: T | null
  /** The server's version of `confirmed`; 0 before the server has said anything. */
  version: number
  /** What the UI shows: `confirmed` with the pending ops applied; null when absent or deleted. */
  view: T | null
}

/**
 * One collection's entities, by key, split into buckets by a hash of the key
 * (`entities[bucket][key]`, see `buckets.ts`) so that writing one entity does not copy the whole
 * collection. Read them with the selectors (`selectEntity`, `selectEntities`, ...).
 */
export interface CollectionState<T = unknown> {
  entities: Buckets<EntityRecord<T>>
}

/** Every declared collection by name. */
export type CollectionsState = Record<string, CollectionState>

/** Entity updates are defined beside the batcher that coalesces them. */
export type { CoalescedUpdate, EntityUpdate } from '../batching/types'
