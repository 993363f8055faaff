import type { CollectionsState, EntityRecord } from '../collections/types'
import type { Conflict, Op, OptimisticState, Rollback } from './types'

/** The part of the realtime state that collections and ops share. */
export interface DataState {
  collections: CollectionsState
  optimistic: OptimisticState
}

/** The lane of an entity: where its pending ops live. Collection names cannot contain '/'. */
export const laneOf = (collection: string, key: string): string => `${collection}/${key}`

const EMPTY_RECORD: EntityRecord = { confirmed: null, version: 0, view: null }

/**
 * Copy-on-write access to the data state for one action. Each map (a collection's entities, the
 * lanes) is copied at most once per action, however many keys the action touches, so a batch of
 * N updates costs one copy plus N writes instead of N copies. Reducers stay pure: the input
 * state is never written.
 */
export class DataTransaction {
  private collections: CollectionsState
  private optimistic: OptimisticState
  private readonly copiedEntities = new Set<string>()
  private lanesCopied = false
  private optimisticCopied = false

  constructor(private readonly base: DataState) {
    this.collections = base.collections
    this.optimistic = base.optimistic
  }

  entity(collection: string, key: string): EntityRecord {
    return this.collections[collection]?.entities[key] ?? EMPTY_RECORD
  }

  hasEntity(collection: string, key: string): boolean {
    return Object.hasOwn(this.collections[collection]?.entities ?? {}, key)
  }

  setEntity(collection: string, key: string, record: EntityRecord): void {
    if (!this.copiedEntities.has(collection)) {
      if (this.copiedEntities.size === 0) this.collections = { ...this.collections }
      this.collections[collection] = { entities: { ...this.collections[collection]?.entities } }
      this.copiedEntities.add(collection)
    }
    this.collections[collection]!.entities[key] = record
  }

  lane(collection: string, key: string): readonly Op[] {
    return this.optimistic.lanes[laneOf(collection, key)] ?? []
  }

  get lanes(): Readonly<Record<string, Op[]>> {
    return this.optimistic.lanes
  }

  get count(): number {
    return this.optimistic.count
  }

  setLane(collection: string, key: string, ops: Op[]): void {
    this.touchOptimistic()
    if (!this.lanesCopied) {
      this.optimistic.lanes = { ...this.optimistic.lanes }
      this.lanesCopied = true
    }
    const lane = laneOf(collection, key)
    const before = this.optimistic.lanes[lane]?.length ?? 0
    if (ops.length === 0) delete this.optimistic.lanes[lane]
    else this.optimistic.lanes[lane] = ops
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
