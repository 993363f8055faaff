import { BucketDraft, bucketGet, bucketOf, copyDictionary, copyShaped, type BucketCopiers, type Buckets } from '../util/buckets'
import type { CollectionsState, EntityRecord } from '../collections/types'
import { laneOf, pendingIn } from './lanes'
import { opBucketOf, rollbackOf } from './opLookup'
import type { Conflict, Op, OpLocation, OptimisticState, Rollback } from './types'
import { setOwn } from '../util/setOwn'

/** The part of the realtime state that collections and ops share. */
export interface DataState {
  collections: CollectionsState
  optimistic: OptimisticState
}

// Copy sites of their own per kind of map (see BucketCopiers); op ids never repeat, so the index's
// buckets are dictionaries.
const copyEntities: BucketCopiers<EntityRecord> = {
  top: (map) => ({ ...map }),
  bucket: (entries, except) => copyShaped(entries, except),
  set: (entries, key, value) => (key === '__proto__' ? setOwn(entries, key, value) : void (entries[key] = value)),
}
const copyLanes: BucketCopiers<Op[]> = {
  top: (map) => ({ ...map }),
  bucket: (entries, except) => copyShaped(entries, except),
  // Lane names are `collection/key`: never a prototype key.
  set: (entries, lane, ops) => void (entries[lane] = ops),
}
const copyIndex: BucketCopiers<OpLocation> = {
  top: (map) => ({ ...map }),
  bucket: copyDictionary,
  // Index buckets have no prototype (see copyDictionary): any op id is an own key.
  set: (entries, opId, at) => void (entries[opId] = at),
}

/** Whether a lane holds an op: a scan for a short lane, a set for a long one. */
function hasOp(lane: readonly Op[]): (opId: string) => boolean {
  if (lane.length <= 8) return (opId) => lane.some((o) => o.opId === opId)
  const ids = new Set(lane.map((op) => op.opId))
  return (opId) => ids.has(opId)
}

const EMPTY_RECORD: EntityRecord = { confirmed: null, version: 0, view: null }
const NO_OPS: readonly Op[] = []

/**
 * Copy-on-write access to the data state for one action: entities, lanes and the op index are
 * bucketed maps, so an action's cost follows what it changes, not the size of the collection.
 * Every lane write goes through {@link setLane}, which keeps the op index and the count in step
 * with the lanes: there is no other place that says where an op lives. Reducers stay pure: the
 * input state is never written.
 */
export class DataTransaction {
  private collections: CollectionsState
  private optimistic: OptimisticState
  private readonly entityDrafts = new Map<string, BucketDraft<EntityRecord>>()
  private lanes: BucketDraft<Op[]> | undefined
  private index: BucketDraft<OpLocation> | undefined
  private optimisticCopied = false
  // An action touches one key several times in a row (entity, lane, write): hash it once.
  private lastKey: string | undefined
  private lastBucket = ''

  constructor(private readonly base: DataState) {
    this.collections = base.collections
    this.optimistic = base.optimistic
  }

  private bucket(key: string): string {
    if (key !== this.lastKey) {
      this.lastKey = key
      this.lastBucket = bucketOf(key)
    }
    return this.lastBucket
  }

  /** Whether `collection` is declared. */
  hasCollection(collection: string): boolean {
    return Object.hasOwn(this.collections, collection)
  }

  entity(collection: string, key: string): EntityRecord {
    const draft = this.entityDrafts.get(collection)
    const entities = draft ? draft.result : this.collections[collection]?.entities
    return (entities && bucketGet(entities, key, this.bucket(key))) ?? EMPTY_RECORD
  }

  setEntity(collection: string, key: string, record: EntityRecord): void {
    let draft = this.entityDrafts.get(collection)
    if (!draft) {
      draft = new BucketDraft(this.collections[collection]?.entities ?? {}, copyEntities)
      this.entityDrafts.set(collection, draft)
    }
    draft.set(key, record, this.bucket(key))
  }

  lane(collection: string, key: string): readonly Op[] {
    const lanes = this.lanes ? this.lanes.result : this.optimistic.lanes
    // Most inbound updates are for keys without ops: their bucket is absent, no lane name is built.
    const bucket = lanes[this.bucket(key)]
    if (bucket === undefined) return NO_OPS
    const lane = laneOf(collection, key)
    return (Object.hasOwn(bucket, lane) ? bucket[lane] : undefined) ?? NO_OPS
  }

  /** Every lane, bucketed; read-only. */
  get allLanes(): Readonly<Buckets<Op[]>> {
    return this.lanes ? this.lanes.result : this.optimistic.lanes
  }

  get count(): number {
    return this.optimistic.count
  }

  /** Where a pending op lives. */
  locate(opId: string): OpLocation | undefined {
    return bucketGet(this.index ? this.index.result : this.optimistic.index, opId, opBucketOf(opId))
  }

  /** A pending op by its id. */
  findOp(opId: string): Op | undefined {
    const at = this.locate(opId)
    return at && this.lane(at.collection, at.key).find((op) => op.opId === opId)
  }

  /** Replaces an entity's lane; the op index and the count follow. */
  setLane(collection: string, key: string, ops: readonly Op[]): void {
    const before = this.lane(collection, key)
    // Most inbound updates touch keys without ops: leave the optimistic state untouched then.
    if (ops.length === 0 && before.length === 0) return
    this.touchOptimistic()
    const lane = laneOf(collection, key)
    const bucket = this.bucket(key)
    this.lanes ??= new BucketDraft(this.optimistic.lanes, copyLanes)
    if (ops.length > 0) this.lanes.set(lane, ops as Op[], bucket)
    else this.lanes.delete(lane, bucket)
    this.reindex(collection, key, before, ops)
    this.optimistic.count += pendingIn(ops) - pendingIn(before)
  }

  addConflict(conflict: Conflict, max: number): void {
    this.touchOptimistic()
    this.optimistic.conflicts = [...this.optimistic.conflicts, conflict].slice(-max)
  }

  /** Remembers that `opId` was confirmed (the last `max` are kept). */
  noteConfirmed(opId: string, max = 50): void {
    this.touchOptimistic()
    const recent = this.optimistic.recentlyConfirmed
    this.optimistic.recentlyConfirmed = recent.length < max ? [...recent, opId] : [...recent.slice(recent.length - max + 1), opId]
  }

  addRollback(rollback: Rollback, max: number): void {
    this.touchOptimistic()
    this.optimistic.rollbacks = [...this.optimistic.rollbacks, rollback].slice(-max)
  }

  /** The remembered rollback of `opId`, if it is still among the last ones kept. */
  rollbackOf(opId: string): Rollback | undefined {
    return rollbackOf(this.optimistic, opId)
  }

  /** The ids of the ops this session confirmed lately or rolled back (the bounded histories). */
  settledIds(): string[] {
    return [...this.optimistic.recentlyConfirmed, ...this.optimistic.rollbacks.map((r) => r.opId)]
  }

  /** Marks the remembered rollback of `opId` as applied by the server after all. */
  markAppliedAfterAll(opId: string): void {
    this.amendRollback(opId, (r) => (r.appliedAfterAll ? r : { ...r, appliedAfterAll: true }))
  }

  /** Marks the remembered rollback of `opId` as in doubt: its delivery's answer will not come. */
  markInDoubt(opId: string): void {
    this.amendRollback(opId, (r) => (r.reason.inDoubt || r.appliedAfterAll ? r : { ...r, reason: { ...r.reason, inDoubt: true } }))
  }

  private amendRollback(opId: string, amend: (rollback: Rollback) => Rollback): void {
    const found = this.rollbackOf(opId)
    if (!found) return
    const amended = amend(found)
    if (amended === found) return
    this.touchOptimistic()
    this.optimistic.rollbacks = this.optimistic.rollbacks.map((r) => (r === found ? amended : r))
  }

  patchOptimistic(patch: Partial<Pick<OptimisticState, 'conflicts' | 'rollbacks' | 'lastError' | 'paused' | 'recentlyConfirmed'>>): void {
    this.touchOptimistic()
    Object.assign(this.optimistic, patch)
  }

  commit(): DataState {
    let collections = this.collections
    for (const [name, draft] of this.entityDrafts) {
      if (!draft.changed) continue
      if (collections === this.base.collections) collections = { ...collections }
      collections[name] = { entities: draft.finish(false) }
    }
    if (this.optimisticCopied) {
      // Only when no op is pending can the lanes be empty (ops in doubt are rare).
      const idle = this.optimistic.count === 0
      if (this.lanes) this.optimistic.lanes = this.lanes.finish(idle)
      if (this.index) this.optimistic.index = this.index.finish(idle)
    }
    if (collections === this.base.collections && this.optimistic === this.base.optimistic) return this.base
    return { collections, optimistic: this.optimistic }
  }

  // Lanes are usually short: compared op by op; long ones (ops piled up on one key) through sets.
  private reindex(collection: string, key: string, before: readonly Op[], after: readonly Op[]): void {
    if (before.length === after.length && before.every((op, i) => op.opId === after[i]!.opId)) return
    this.index ??= new BucketDraft(this.optimistic.index, copyIndex)
    const inAfter = hasOp(after)
    const inBefore = hasOp(before)
    for (const op of before) if (!inAfter(op.opId)) this.index.delete(op.opId, opBucketOf(op.opId))
    for (const op of after) if (!inBefore(op.opId)) this.index.set(op.opId, { collection, key }, opBucketOf(op.opId))
  }

  private touchOptimistic(): void {
    if (!this.optimisticCopied) {
      this.optimistic = { ...this.optimistic }
      this.optimisticCopied = true
    }
  }
}
