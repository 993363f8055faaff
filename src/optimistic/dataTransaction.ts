import { bucketOf, type Buckets } from '../collections/buckets'
import type { CollectionsState, EntityRecord } from '../collections/types'
import type { Conflict, Op, OptimisticState, Rollback } from './types'

/** The part of the realtime state that collections and ops share. */
export interface DataState {
  collections: CollectionsState
  optimistic: OptimisticState
}

/**
 * The lane of an entity: where its pending ops live. Collection names cannot contain '/'. Lanes are
 * bucketed by the hash of the entity key (not of the lane name), like the entities, so one hash
 * serves both: use {@link laneGet} to read one.
 */
export const laneOf = (collection: string, key: string): string => `${collection}/${key}`

/** The pending ops of one entity in the bucketed lanes map. */
export function laneGet(lanes: Buckets<Op[]>, collection: string, key: string): Op[] | undefined {
  const bucket = lanes[bucketOf(key)]
  const lane = laneOf(collection, key)
  return bucket !== undefined && Object.hasOwn(bucket, lane) ? bucket[lane] : undefined
}

const EMPTY_RECORD: EntityRecord = { confirmed: null, version: 0, view: null }
const NO_OPS: readonly Op[] = []
const NO_ENTITIES: Buckets<EntityRecord> = {}

/**
 * Copy-on-write access to the data state for one action. The entity and lane maps are split
 * into buckets (see `buckets.ts`); an action copies each map's small top level once and each
 * bucket it touches once, however many keys it writes, so its cost follows what it changes, not
 * the size of the collection. Reducers stay pure: the input state is never written.
 */
export class DataTransaction {
  private collections: CollectionsState
  private optimistic: OptimisticState
  /** Per collection: the bucket ids already copied in this transaction. */
  private readonly copiedEntityBuckets = new Map<string, Set<string>>()
  private readonly copiedLaneBuckets = new Set<string>()
  private lanesCopied = false
  private optimisticCopied = false
  // An action touches one key several times in a row (entity, lane, write): hash it once.
  private lastKey: string | undefined
  private lastBucket = ''

  private bucket(key: string): string {
    if (key !== this.lastKey) {
      this.lastKey = key
      this.lastBucket = bucketOf(key)
    }
    return this.lastBucket
  }

  constructor(private readonly base: DataState) {
    this.collections = base.collections
    this.optimistic = base.optimistic
  }

  entity(collection: string, key: string): EntityRecord {
    const bucket = (this.collections[collection]?.entities ?? NO_ENTITIES)[this.bucket(key)]
    return (bucket !== undefined && Object.hasOwn(bucket, key) ? bucket[key] : undefined) ?? EMPTY_RECORD
  }

  setEntity(collection: string, key: string, record: EntityRecord): void {
    let copied = this.copiedEntityBuckets.get(collection)
    if (!copied) {
      if (this.copiedEntityBuckets.size === 0) this.collections = { ...this.collections }
      this.collections[collection] = { entities: { ...this.collections[collection]?.entities } }
      copied = new Set()
      this.copiedEntityBuckets.set(collection, copied)
    }
    const entities = this.collections[collection]!.entities
    const bucket = this.bucket(key)
    if (!copied.has(bucket)) {
      entities[bucket] = { ...entities[bucket] }
      copied.add(bucket)
    }
    entities[bucket]![key] = record
  }

  lane(collection: string, key: string): readonly Op[] {
    if (this.optimistic.count === 0) return NO_OPS
    const bucket = this.optimistic.lanes[this.bucket(key)]
    if (bucket === undefined) return NO_OPS
    const lane = laneOf(collection, key)
    return (Object.hasOwn(bucket, lane) ? bucket[lane] : undefined) ?? NO_OPS
  }

  /** Every lane, bucketed; read-only. */
  get lanes(): Readonly<Buckets<Op[]>> {
    return this.optimistic.lanes
  }

  get count(): number {
    return this.optimistic.count
  }

  setLane(collection: string, key: string, ops: Op[]): void {
    const before = this.lane(collection, key).length
    // Most inbound updates touch keys without ops: leave the optimistic state untouched then.
    if (ops.length === 0 && before === 0) return
    this.touchOptimistic()
    if (!this.lanesCopied) {
      this.optimistic.lanes = { ...this.optimistic.lanes }
      this.lanesCopied = true
    }
    const lane = laneOf(collection, key)
    const bucket = this.bucket(key)
    const lanes = this.optimistic.lanes
    if (!this.copiedLaneBuckets.has(bucket)) {
      lanes[bucket] = { ...lanes[bucket] }
      this.copiedLaneBuckets.add(bucket)
    }
    if (ops.length > 0) lanes[bucket]![lane] = ops
    else {
      delete lanes[bucket]![lane]
      if (Object.keys(lanes[bucket]!).length === 0) {
        delete lanes[bucket]
        this.copiedLaneBuckets.delete(bucket)
      }
    }
    this.optimistic.count += ops.length - before
  }

  addConflict(conflict: Conflict, max: number): void {
    this.touchOptimistic()
    this.optimistic.conflicts = [...this.optimistic.conflicts, conflict].slice(-max)
  }

  addRollback(rollback: Rollback, max: number): void {
    this.touchOptimistic()
    this.optimistic.rollbacks = [...this.optimistic.rollbacks, rollback].slice(-max)
  }

  patchOptimistic(patch: Partial<Pick<OptimisticState, 'conflicts' | 'rollbacks' | 'lastError'>>): void {
    this.touchOptimistic()
    Object.assign(this.optimistic, patch)
  }

  commit(): DataState {
    if (this.collections === this.base.collections && this.optimistic === this.base.optimistic) return this.base
    return { collections: this.collections, optimistic: this.optimistic }
  }

  private touchOptimistic(): void {
    if (!this.optimisticCopied) {
      this.optimistic = { ...this.optimistic }
      this.optimisticCopied = true
    }
  }
}
