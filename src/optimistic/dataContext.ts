import type { EntityRecord } from '../collections/types'
import { applyOp, rebase } from './applyOp'
import type { DataTransaction } from './dataTransaction'
import type { CompiledMutation } from './defineMutations'
import type { ConflictStrategy, Op, RollbackReason } from './types'

/** What the data reducer needs; all of it fixed when the instance is created. */
export interface DataReducerOptions {
  collections: readonly string[]
  /** Mutations by action type. */
  mutationsByType: ReadonlyMap<string, CompiledMutation>
  /** Mutations by name. */
  mutations: ReadonlyMap<string, CompiledMutation>
  maxPending: number
  /** `backgroundSync.MAX_OUTBOX_SIZE`: ops held at most, like `maxPending`. */
  maxOutbox: number
  /** Deliveries after the first before an unanswered op is rolled back. */
  maxRetries: number
  /** The retry backoff: `backgroundSync.RETRY_DELAY`, `RETRY_MAX_DELAY`, `websocket.RECONNECT_JITTER`. */
  retry: { baseDelay: number; maxDelay: number; jitter: number }
  defaultStrategy: ConflictStrategy
  /** `features.ENABLE_OPTIMISTIC_UPDATES`: when off, views show only confirmed values. */
  optimistic: boolean
  /** How many conflicts and rollbacks are remembered. @default 50 */
  maxConflicts?: number
  maxRollbacks?: number
}

/** The helpers every part of the data reducer writes state with. */
export interface DataContext {
  readonly options: DataReducerOptions
  readonly maxConflicts: number
  /** An op's effect on a value (its mutation's recipe, protected fields kept). */
  apply(value: unknown, op: Op): unknown
  /** The view of an entity: its ops applied to confirmed (or confirmed alone, optimism off). */
  viewOf(confirmed: unknown, ops: readonly Op[]): unknown
  /** Writes a lane and recomputes the entity's view (invariant 1); `record` replaces the entity's. */
  writeLane(tx: DataTransaction, collection: string, key: string, ops: readonly Op[], record?: EntityRecord): void
  /** Removes an op from its lane and records why (invariant 4). */
  rollbackOp(tx: DataTransaction, op: Op, reason: RollbackReason, at: number): void
  /** Records a rollback of an op that is already out of its lane. */
  recordRollback(tx: DataTransaction, op: Op, reason: RollbackReason, at: number): void
}

export function createDataContext(options: DataReducerOptions): DataContext {
  const { mutations } = options
  const maxRollbacks = options.maxRollbacks ?? 50
  const context: DataContext = {
    options,
    maxConflicts: options.maxConflicts ?? 50,
    apply: (value, op) => applyOp(value, op, mutations.get(op.mutation)),
    viewOf: (confirmed, ops) => (options.optimistic ? rebase(confirmed, ops, mutations) : confirmed),
    writeLane(tx, collection, key, ops, record) {
      const current = record ?? tx.entity(collection, key)
      tx.setLane(collection, key, ops)
      tx.setEntity(collection, key, { ...current, view: context.viewOf(current.confirmed, ops) })
    },
    rollbackOp(tx, op, reason, at) {
      const lane = tx.lane(op.collection, op.key)
      context.writeLane(tx, op.collection, op.key, lane.filter((o) => o.opId !== op.opId))
      context.recordRollback(tx, op, reason, at)
    },
    recordRollback(tx, op, reason, at) {
      const { opId, mutation, collection, key, args } = op
      // An earlier delivery still on its way may yet be applied: the record cannot say it was not.
      const told = op.earlierUnanswered && !reason.inDoubt ? { ...reason, inDoubt: true } : reason
      tx.addRollback({ opId, mutation, collection, key, args, reason: told, at }, maxRollbacks)
    },
  }
  return context
}
