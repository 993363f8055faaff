import type { UnknownAction } from '@reduxjs/toolkit'
import type { CoalescedUpdate, CollectionsState, EntityRecord } from '../collections/types'
import { applyOp, changedFields, rebase } from './applyOp'
import { bucketEach, bucketValues } from '../collections/buckets'
import { DataTransaction, type DataState } from './dataTransaction'
import type { CompiledMutation, ConflictResolver } from './defineMutations'
import type { MutationPayload, OpRef, OptimisticActions } from './optimisticActions'
import type { Conflict, ConflictStrategy, Op, OptimisticState, RollbackReason } from './types'

/** What the data reducer needs; all of it fixed when the instance is created. */
export interface DataReducerOptions {
  collections: readonly string[]
  /** Mutations by action type. */
  mutationsByType: ReadonlyMap<string, CompiledMutation>
  /** Mutations by name. */
  mutations: ReadonlyMap<string, CompiledMutation>
  actions: OptimisticActions
  /** The connection's `closed` action type: sent ops go back to the queue. */
  closedType: string
  maxPending: number
  /** Deliveries after the first before an unanswered op is rolled back. */
  maxRetries: number
  defaultStrategy: ConflictStrategy
  /** `features.ENABLE_OPTIMISTIC_UPDATES`: when off, views show only confirmed values. */
  optimistic: boolean
  /** How many conflicts and rollbacks are remembered. @default 50 */
  maxConflicts?: number
  maxRollbacks?: number
}

/** The initial data state: one empty collection per declared name. */
export function initialDataState(collections: readonly string[]): DataState {
  const state: CollectionsState = {}
  for (const name of collections) state[name] = { entities: {} }
  return {
    collections: state,
    optimistic: { lanes: {}, count: 0, conflicts: [], rollbacks: [], lastError: null },
  }
}

const STRATEGIES: readonly string[] = ['REMOTE_WINS', 'LOCAL_WINS', 'MERGE']

/**
 * The reducer of `collections` and `optimistic` together: they change together (an op changes
 * a view, a confirmation changes both). Pure: no timers, sockets or storage. Every path keeps
 * invariant 1 of DESIGN.md: a view is its entity's pending ops, in creation order, applied to
 * its confirmed value.
 */
export function createDataReducer(options: DataReducerOptions) {
  const { actions, mutations, mutationsByType } = options
  const maxConflicts = options.maxConflicts ?? 50
  const maxRollbacks = options.maxRollbacks ?? 50
  const initial = initialDataState(options.collections)

  const viewOf = (confirmed: unknown, ops: readonly Op[]) =>
    options.optimistic ? rebase(confirmed, ops, mutations) : confirmed

  function writeLane(tx: DataTransaction, collection: string, key: string, ops: Op[], record?: EntityRecord) {
    const current = record ?? tx.entity(collection, key)
    tx.setLane(collection, key, ops)
    tx.setEntity(collection, key, { ...current, view: viewOf(current.confirmed, ops) })
  }

  function rollbackOp(tx: DataTransaction, op: Op, reason: RollbackReason, at: number) {
    const lane = tx.lane(op.collection, op.key)
    writeLane(tx, op.collection, op.key, lane.filter((o) => o.opId !== op.opId))
    tx.addRollback(
      { opId: op.opId, mutation: op.mutation, collection: op.collection, key: op.key, args: op.args, reason, at },
      maxRollbacks,
    )
  }

  // An op is found by its lane when the action says where it lives, else by a scan (manual calls).
  function findOp(tx: DataTransaction, ref: Partial<OpRef> & { opId: string }): Op | undefined {
    if (ref.collection !== undefined && ref.key !== undefined) {
      return tx.lane(ref.collection, ref.key).find((o) => o.opId === ref.opId)
    }
    let found: Op | undefined
    bucketEach(tx.lanes, (lane) => {
      found ??= lane.find((o) => o.opId === ref.opId)
    })
    return found
  }

  function createOp(state: DataState, mutation: CompiledMutation, payload: MutationPayload): DataState {
    const tx = new DataTransaction(state)
    if (tx.count >= options.maxPending) return state // the middleware refuses it before it gets here
    const record = tx.entity(payload.collection, payload.key)
    const lane = tx.lane(payload.collection, payload.key)
    const last = lane[lane.length - 1]
    if (
      mutation.debounceMs > 0 && last && last.mutation === mutation.name && last.status === 'queued' &&
      last.notBefore !== undefined && payload.createdAt < last.notBefore
    ) {
      // Folded into the waiting op: the view follows this call, one op goes out for the window.
      writeLane(tx, payload.collection, payload.key, [...lane.slice(0, -1), { ...last, args: payload.args }], record)
      return tx.commit()
    }
    const op: Op = {
      opId: payload.opId,
      mutation: mutation.name,
      collection: payload.collection,
      key: payload.key,
      args: payload.args,
      baseVersion: record.version,
      status: mutation.transport === 'manual' ? 'manual' : 'queued',
      attempts: 0,
      createdAt: payload.createdAt,
    }
    if (mutation.debounceMs > 0 && op.status === 'queued') op.notBefore = payload.createdAt + mutation.debounceMs
    tx.setLane(op.collection, op.key, [...lane, op])
    // Appending to the lane only needs the new op applied on top of the current view.
    const view = options.optimistic ? applyOp(record.view, op, mutation) : record.view
    tx.setEntity(op.collection, op.key, { ...record, view })
    return tx.commit()
  }

  function confirmOp(
    tx: DataTransaction,
    op: Op,
    server: { version?: number; value?: unknown; hasValue: boolean },
  ) {
    const record = tx.entity(op.collection, op.key)
    const lane = tx.lane(op.collection, op.key)
    const index = lane.findIndex((o) => o.opId === op.opId)
    let { confirmed, version } = record
    if (server.hasValue) {
      if (server.version === undefined || server.version > version) {
        confirmed = server.value ?? null
        version = server.version ?? version
      }
    } else {
      // No value from the server: its truth is our op applied to what it had.
      confirmed = applyOp(confirmed, { ...op, protectedFields: undefined }, mutations.get(op.mutation))
      if (server.version !== undefined && server.version > version) version = server.version
    }
    // Later ops on this key were made on top of this one: they now stand on the new version.
    const rest = lane
      .filter((o) => o.opId !== op.opId)
      .map((o, i) => (i >= index && o.baseVersion < version ? { ...o, baseVersion: version } : o))
    writeLane(tx, op.collection, op.key, rest, { ...record, confirmed, version })
  }

  function resolveStrategy(head: Op, context: Parameters<ConflictResolver>[0]): ConflictStrategy {
    const chosen = mutations.get(head.mutation)?.conflict ?? options.defaultStrategy
    if (typeof chosen !== 'function') return chosen
    try {
      const strategy = chosen(context)
      return STRATEGIES.includes(strategy) ? strategy : 'REMOTE_WINS'
    } catch {
      // A resolver that throws must not stop the update: the server's value wins.
      return 'REMOTE_WINS'
    }
  }

  function applyUpdate(tx: DataTransaction, update: CoalescedUpdate, at: number) {
    const { collection, key } = update
    if (!options.collections.includes(collection)) return
    const record = tx.entity(collection, key)
    let lane = tx.lane(collection, key)

    // Broadcasts that carry our opIds confirm those ops.
    const ours = update.opIds ?? (update.opId !== undefined ? [update.opId] : [])
    if (ours.length > 0 && lane.length > 0) lane = lane.filter((o) => !ours.includes(o.opId))
    const newest = update.version > record.version
    if (!newest) {
      // Our op's effect is already in what we hold: the ops after it stand on the held version.
      if (lane.length !== tx.lane(collection, key).length) {
        writeLane(tx, collection, key, lane.map((o) => (o.baseVersion < record.version ? { ...o, baseVersion: record.version } : o)))
      }
      return
    }
    const remote = update.deleted ? null : update.value
    const next: EntityRecord = { confirmed: remote, version: update.version, view: null }
    const remoteIsOurs = update.opId !== undefined && ours.includes(update.opId) &&
      tx.lane(collection, key).some((o) => o.opId === update.opId)

    if (lane.length === 0 || remoteIsOurs) {
      // Either nothing is pending, or the newest change is our own op: the rest stand on it.
      writeLane(tx, collection, key, lane.map((o) => (o.baseVersion < update.version ? { ...o, baseVersion: update.version } : o)), next)
      return
    }

    // A remote change under pending ops that is not theirs: a conflict (invariant 3).
    const context = {
      collection,
      key,
      base: record.confirmed,
      local: record.view,
      remote,
      remoteVersion: update.version,
      mutations: lane.map((o) => o.mutation),
    }
    const strategy = resolveStrategy(lane[0]!, context)
    const remoteChanged = changedFields(record.confirmed, remote)
    const localChanged = new Set(changedFields(record.confirmed, record.view))
    const conflict: Conflict = {
      collection,
      key,
      strategy,
      opIds: lane.map((o) => o.opId),
      local: record.view,
      remote,
      remoteVersion: update.version,
      at,
    }
    const both = remoteChanged.filter((f) => localChanged.has(f))
    if (both.length > 0) conflict.fields = both
    tx.addConflict(conflict, maxConflicts)

    if (strategy === 'REMOTE_WINS') {
      tx.setEntity(collection, key, { ...next, view: remote })
      tx.setLane(collection, key, [])
      for (const op of lane) {
        tx.addRollback(
          {
            opId: op.opId, mutation: op.mutation, collection, key, args: op.args, at,
            reason: { code: 'conflict', message: `rtk-realtime: ${collection}/${key} changed on the server (version ${update.version}); the remote change wins (REMOTE_WINS)` },
          },
          maxRollbacks,
        )
      }
      return
    }
    // LOCAL_WINS and MERGE keep the ops on top and send them again against the new version.
    const kept = lane.map((o): Op => {
      // A copy on the wire stays there until answered: its ACK settles the op, its NACK resends it.
      const rebased: Op = { ...o, baseVersion: update.version }
      if (o.status === 'sent') rebased.staleDelivery = true
      if (strategy === 'MERGE' && remoteChanged.length > 0) {
        rebased.protectedFields = [...new Set([...(o.protectedFields ?? []), ...remoteChanged])]
      }
      return rebased
    })
    writeLane(tx, collection, key, kept, next)
  }

  return function dataReducer(state: DataState = initial, action: UnknownAction): DataState {
    const mutation = mutationsByType.get(action.type)
    if (mutation) return createOp(state, mutation, action.payload as MutationPayload)

    if (actions.entitiesUpdated.match(action)) {
      const tx = new DataTransaction(state)
      for (const update of action.payload.updates) applyUpdate(tx, update, action.payload.at)
      return tx.commit()
    }
    if (actions.opsSent.match(action)) {
      const tx = new DataTransaction(state)
      for (const ref of action.payload.ops) {
        const lane = tx.lane(ref.collection, ref.key)
        if (!lane.some((o) => o.opId === ref.opId)) continue
        tx.setLane(ref.collection, ref.key, lane.map((o) =>
          o.opId === ref.opId ? { ...o, status: 'sent', attempts: o.attempts + 1, sentAt: action.payload.at } : o,
        ))
      }
      return tx.commit()
    }
    if (actions.opAcked.match(action) || actions.confirm.match(action)) {
      const tx = new DataTransaction(state)
      const op = findOp(tx, action.payload)
      if (op) confirmOp(tx, op, action.payload)
      else if (actions.opAcked.match(action) && action.payload.hasValue && action.payload.version !== undefined) {
        // A late or duplicate ACK: its value is still the server's truth at that version.
        applyUpdate(tx, { ...action.payload, version: action.payload.version, value: action.payload.value, deleted: action.payload.value === null }, action.payload.at)
      }
      return tx.commit()
    }
    if (actions.opNacked.match(action)) {
      const tx = new DataTransaction(state)
      const op = findOp(tx, action.payload)
      if (!op) return state
      const { reason, retryable, at } = action.payload
      if (op.staleDelivery && op.attempts <= options.maxRetries) {
        // The refused delivery was made on a version a kept conflict has since replaced.
        requeue(tx, op, { name: 'NackError', code: 'NACK_STALE', message: `rtk-realtime: the server refused a delivery of ${op.opId} made on an older version (${reason}); sending it again against the new one` })
      } else if (retryable && op.attempts <= options.maxRetries) {
        requeue(tx, op, { name: 'NackError', code: 'NACK_RETRYABLE', message: `rtk-realtime: the server refused op ${op.opId} for now: ${reason}` })
      } else if (retryable) {
        rollbackOp(tx, op, {
          code: 'retries_exhausted',
          message: `rtk-realtime: ${op.mutation} (${op.opId}) was refused for now ${op.attempts} times (backgroundSync.MAX_RETRIES = ${options.maxRetries}): ${reason}`,
          serverReason: reason,
        }, at)
      } else {
        rollbackOp(tx, op, { code: 'rejected', message: `rtk-realtime: the server rejected ${op.mutation} (${op.opId}): ${reason}`, serverReason: reason }, at)
      }
      return tx.commit()
    }
    if (actions.opTimedOut.match(action)) {
      const tx = new DataTransaction(state)
      const op = findOp(tx, action.payload)
      if (!op || op.status !== 'sent') return state
      if (op.attempts > options.maxRetries) {
        rollbackOp(tx, op, {
          code: 'retries_exhausted',
          message: `rtk-realtime: ${op.mutation} (${op.opId}) got no answer after ${op.attempts} deliveries (backgroundSync.MAX_RETRIES = ${options.maxRetries}, optimistic.TIMEOUT each)`,
        }, action.payload.at)
      } else {
        requeue(tx, op, { name: 'TimeoutError', code: 'OP_TIMEOUT', message: `rtk-realtime: no answer to ${op.mutation} (${op.opId}) within optimistic.TIMEOUT; sending it again` })
      }
      return tx.commit()
    }
    if (actions.rollback.match(action)) {
      const tx = new DataTransaction(state)
      const op = findOp(tx, action.payload)
      if (op) rollbackOp(tx, op, { code: 'manual', message: action.payload.message }, action.payload.at)
      return tx.commit()
    }
    if (actions.mutationRefused.match(action)) {
      const tx = new DataTransaction(state)
      tx.patchOptimistic({ lastError: action.payload.error })
      return tx.commit()
    }
    if (actions.conflictsCleared.match(action)) return patch(state, { conflicts: [] })
    if (actions.rollbacksCleared.match(action)) return patch(state, { rollbacks: [] })
    if (action.type === options.closedType) return requeueSent(state)
    return state
  }

  function requeue(tx: DataTransaction, op: Op, error: Op['lastError']) {
    const lane = tx.lane(op.collection, op.key)
    tx.setLane(op.collection, op.key, lane.map((o) => {
      if (o.opId !== op.opId) return o
      const { staleDelivery: _answered, ...rest } = o
      return { ...rest, status: 'queued', lastError: error }
    }))
  }

  // The socket closed: whatever was on the wire is unanswered and goes out again on the next one.
  function requeueSent(state: DataState): DataState {
    const tx = new DataTransaction(state)
    for (const ops of bucketValues(state.optimistic.lanes)) {
      if (!ops.some((o) => o.status === 'sent')) continue
      const head = ops[0]!
      tx.setLane(head.collection, head.key, ops.map((o) => {
        if (o.status !== 'sent') return o
        const { staleDelivery: _lost, ...rest } = o
        return { ...rest, status: 'queued' }
      }))
    }
    return tx.commit()
  }

  function patch(state: DataState, fields: Partial<OptimisticState>): DataState {
    return { ...state, optimistic: { ...state.optimistic, ...fields } }
  }
}
