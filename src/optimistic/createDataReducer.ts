import type { UnknownAction } from '@reduxjs/toolkit'
import type { CollectionsState } from '../collections/types'
import { applyEntityUpdate } from './applyEntityUpdate'
import { settleOp } from './confirmOp'
import { createDataContext, type DataContext, type DataReducerOptions } from './dataContext'
import { DataTransaction, type DataState } from './dataTransaction'
import { createOp } from './createOp'
import { deliveriesLost, giveUpDoubt, refuseOp, rollBackInDoubt, timeOutOp } from './deliveryOutcomes'
import type { MutationPayload, OptimisticActions } from './optimisticActions'
import type { OutboxActions } from '../outbox/outboxActions'
import { rehydrateOps } from './rehydrateOps'
import { bucketValues } from '../util/buckets'
import type { Op, RollbackReason } from './types'
import { applySyncResult } from '../sync/applySyncResult'
import type { SyncResult } from '../sync/types'

export type { DataReducerOptions } from './dataContext'

/** The initial data state: one empty collection per declared name. */
function initialDataState(collections: readonly string[]): DataState {
  const state: CollectionsState = {}
  for (const name of collections) state[name] = { entities: {} }
  return {
    collections: state,
    optimistic: { lanes: {}, index: {}, count: 0, conflicts: [], rollbacks: [], recentlyConfirmed: [], lastError: null, paused: false },
  }
}

type CaseReducer = (tx: DataTransaction, action: UnknownAction) => void

/** `rollback(opId)` and `discard(opId)`: the user takes an op back. */
function takeBack(context: DataContext, tx: DataTransaction, op: Op | undefined, reason: RollbackReason, at: number): void {
  if (!op) return
  // Already rolled back, still awaiting its answer: stop waiting.
  if (op.status === 'doubt') return giveUpDoubt(tx, op)
  // On the wire it cannot be taken back: it waits in doubt for the server's answer.
  if (op.status === 'sent') return rollBackInDoubt(context, tx, op, reason, at)
  context.rollbackOp(tx, op, reason, at)
  if (op.status === 'acked') tx.markAppliedAfterAll(op.opId)
}

/** The transaction's op named by the action, or undefined when it is no longer pending. */
const opOf = (tx: DataTransaction, action: UnknownAction): Op | undefined => tx.findOp((action.payload as { opId: string }).opId)

/** Every op leaves the state, unrecorded (another user's outbox was opened, or the outbox cleared); views fall back to confirmed. */
function unloadOps(context: DataContext, tx: DataTransaction): void {
  for (const lane of bucketValues(tx.allLanes)) {
    const { collection, key } = lane[0]!
    context.writeLane(tx, collection, key, [])
  }
}

function caseReducers(context: DataContext, actions: OptimisticActions, outbox: OutboxActions, syncSucceeded: string | undefined): Map<string, CaseReducer> {
  return new Map<string, CaseReducer>(Object.entries({
    [actions.entitiesUpdated.type](tx, action) {
      const { updates, at } = (action as ReturnType<typeof actions.entitiesUpdated>).payload
      for (const update of updates) applyEntityUpdate(context, tx, update, at)
    },
    // A SYNC reply or a `load` result: the same path as live updates, plus a snapshot's deletions.
    ...(syncSucceeded ? { [syncSucceeded]: (tx: DataTransaction, action: UnknownAction) => applySyncResult(context, tx, action.payload as SyncResult) } : {}),
    [actions.opsSent.type](tx, action) {
      const { ops, at } = (action as ReturnType<typeof actions.opsSent>).payload
      for (const { opId } of ops) {
        const op = tx.findOp(opId)
        if (!op) continue
        // Its backoff is over: it is on the wire.
        const { retryAt: _over, ...rest } = op
        tx.setLane(op.collection, op.key, tx.lane(op.collection, op.key).map((o) =>
          o.opId === opId ? { ...rest, status: 'sent', attempts: o.attempts + 1, sentAt: at } : o,
        ))
      }
    },
    [actions.opAcked.type](tx, action) {
      const { opId, collection: _c, key: _k, at, ...server } = (action as ReturnType<typeof actions.opAcked>).payload
      settleOp(context, tx, opId, server, at)
    },
    [actions.confirm.type](tx, action) {
      const { opId, at, ...server } = (action as ReturnType<typeof actions.confirm>).payload
      settleOp(context, tx, opId, server, at)
    },
    [actions.opNacked.type](tx, action) {
      const op = opOf(tx, action)
      if (op) refuseOp(context, tx, op, (action as ReturnType<typeof actions.opNacked>).payload)
    },
    [actions.opTimedOut.type](tx, action) {
      const op = opOf(tx, action)
      const { attempt, at, random } = (action as ReturnType<typeof actions.opTimedOut>).payload
      if (op) timeOutOp(context, tx, op, attempt, at, random)
    },
    [actions.rollback.type](tx, action) {
      const { message, at } = (action as ReturnType<typeof actions.rollback>).payload
      takeBack(context, tx, opOf(tx, action), { code: 'manual', message }, at)
    },
    [actions.discard.type](tx, action) {
      const { message, at } = (action as ReturnType<typeof actions.discard>).payload
      takeBack(context, tx, opOf(tx, action), { code: 'discarded', message }, at)
    },
    [actions.retryNow.type](tx, action) {
      const op = opOf(tx, action)
      if (op?.retryAt === undefined) return
      const { retryAt: _now, ...ready } = op
      tx.setLane(op.collection, op.key, tx.lane(op.collection, op.key).map((o) => (o === op ? ready : o)))
    },
    [actions.pause.type]: (tx) => tx.patchOptimistic({ paused: true }),
    [actions.resume.type]: (tx) => tx.patchOptimistic({ paused: false }),
    [actions.deliveriesLost.type](tx, action) {
      deliveriesLost(context, tx, (action as ReturnType<typeof actions.deliveriesLost>).payload.at)
    },
    [actions.mutationRefused.type](tx, action) {
      tx.patchOptimistic({ lastError: (action as ReturnType<typeof actions.mutationRefused>).payload.error })
    },
    [outbox.outboxRehydrated.type](tx, action) {
      const { ops, bases } = (action as ReturnType<typeof outbox.outboxRehydrated>).payload
      rehydrateOps(context, tx, ops, bases)
    },
    [outbox.clearOutbox.type](tx) {
      unloadOps(context, tx)
      tx.patchOptimistic({ conflicts: [], rollbacks: [] })
    },
    [actions.conflictsCleared.type]: (tx) => tx.patchOptimistic({ conflicts: [] }),
    [actions.rollbacksCleared.type]: (tx) => tx.patchOptimistic({ rollbacks: [] }),
  }))
}

/**
 * The reducer of `collections` and `optimistic` together: they change together (an op changes
 * a view, a confirmation changes both). Pure: no timers, sockets or storage. Each action type has
 * its case. Invariant 1 of DESIGN.md (a view is its entity's pending ops, in creation order,
 * applied to its confirmed value) holds because every write that changes what a lane contributes
 * goes through `writeLane`, which recomputes the view; status-only writes leave it as it is.
 */
export function createDataReducer(options: DataReducerOptions & { actions: OptimisticActions; outboxActions: OutboxActions; /** The sync's `syncSucceeded` type. */ syncSucceeded?: string }) {
  const { actions, mutationsByType } = options
  const context = createDataContext(options)
  const initial = initialDataState(options.collections)
  const cases = caseReducers(context, actions, options.outboxActions, options.syncSucceeded)

  /** The state with every op unloaded: the root reducer calls it when another namespace's outbox is opened. */
  dataReducer.unloadOps = (state: DataState): DataState => {
    const tx = new DataTransaction(state)
    unloadOps(context, tx)
    return tx.commit()
  }
  return dataReducer

  function dataReducer(state: DataState = initial, action: UnknownAction): DataState {
    const mutation = mutationsByType.get(action.type)
    if (mutation) return createOp(context, state, mutation, action.payload as MutationPayload)
    const reduce = cases.get(action.type)
    if (reduce) {
      const tx = new DataTransaction(state)
      reduce(tx, action)
      return tx.commit()
    }
    return state
  }
}
