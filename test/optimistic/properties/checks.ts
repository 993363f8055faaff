/** Assertions shared by the property files: the package's state against the reference model. */
import { expect } from 'vitest'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { allOps, entityOf, hasPendingOps, laneOf, opById, rawIndex, rawLanes, rawOps, type Run } from './harness'
import { HISTORY_LIMIT, deepEqual, fold, type Widget } from './model'

/** `expect(actual).toEqual(expected)`, paid for only when they differ (for the diff). */
function same(actual: unknown, expected: unknown, message: string): void {
  if (!deepEqual(actual, expected)) expect(actual, message).toEqual(expected)
}

/** Invariant 1, from the package's own state: view = its lane's pending ops applied to its confirmed. */
export function expectRebased(state: RealtimeState, keys: readonly string[]): void {
  for (const key of keys) {
    const entity = entityOf(state, key)
    if (!entity) {
      check(laneOf(state, key).length === 0, () => `${key} has pending ops but no entity record`)
      continue
    }
    same(entity.view, fold(entity.confirmed as Widget | null, laneOf(state, key)), `view of ${key} = its pending ops applied to confirmed`)
  }
}

/** Every entity's confirmed/version/view equals the model's. */
export function expectEntitiesMatchModel(run: Run): void {
  for (const key of run.keys) {
    const e = run.model.entities[key]!
    same(entityOf(run.state, key), { confirmed: e.confirmed, version: e.version, view: run.model.view(key) }, `entity ${key}`)
  }
}

const sorted = (list: readonly string[] | undefined) => (list?.length ? [...list].sort() : undefined)

/** The lanes (ops in doubt included), count, pending selectors and the bounded histories equal the model's. */
export function expectOpsMatchModel(run: Run): void {
  const { state, model } = run
  const lanes: Record<string, unknown> = {}
  for (const [name, ops] of Object.entries(rawLanes(state))) {
    if (ops.length > 0) lanes[name] = ops.map((op) => ({
      opId: op.opId,
      mutation: op.mutation,
      key: op.key,
      args: op.args,
      // An op in doubt is never sent again: its baseVersion and staleDelivery mean nothing (not compared).
      baseVersion: op.status === 'doubt' ? undefined : op.baseVersion,
      status: op.status,
      attempts: op.attempts,
      retries: op.retries ?? 0,
      protectedFields: sorted(op.protectedFields),
      staleDelivery: (op.status !== 'doubt' && op.staleDelivery) || undefined,
      ackedVersion: op.ackedVersion,
      earlierUnanswered: op.earlierUnanswered || undefined,
    }))
  }
  const expected: Record<string, unknown> = {}
  for (const [key, ops] of Object.entries(model.lanes)) {
    expected[`widgets/${key}`] = ops.map((op) => ({
      ...op,
      baseVersion: op.status === 'doubt' ? undefined : op.baseVersion,
      protectedFields: sorted(op.protectedFields),
      staleDelivery: (op.status !== 'doubt' && op.staleDelivery) || undefined,
      earlierUnanswered: op.earlierUnanswered || undefined,
    }))
  }
  same(lanes, expected, 'lanes')
  same(state.optimistic.count, model.pending().length, 'count')
  same(allOps(state).map((op) => op.opId).sort(byCreation), model.pending().map((op) => op.opId).sort(byCreation), 'selectPendingOps')
  const rollbacks = state.optimistic.rollbacks.map((r) => ({
    opId: r.opId,
    mutation: r.mutation,
    key: r.key,
    args: r.args,
    code: r.reason.code,
    serverReason: r.reason.serverReason,
    inDoubt: r.reason.inDoubt || undefined,
    appliedAfterAll: r.appliedAfterAll || undefined,
  }))
  const expectedRollbacks = model.rollbacks.slice(-HISTORY_LIMIT).map((r) => ({ ...r, inDoubt: r.inDoubt || undefined, appliedAfterAll: r.appliedAfterAll || undefined }))
  // One action may roll back ops of several lanes (deliveriesLost): in which order is not
  // documented. Each op has one record at most, and runs make fewer than 50: compared by opId.
  const byOp = (a: { opId: string }, b: { opId: string }) => byCreation(a.opId, b.opId)
  same(rollbacks.sort(byOp), expectedRollbacks.sort(byOp), 'rollbacks')
  const conflicts = state.optimistic.conflicts.map((c) => ({
    key: c.key,
    strategy: c.strategy,
    opIds: c.opIds,
    inFlight: c.inFlight ?? [],
    local: c.local,
    remote: c.remote,
    remoteVersion: c.remoteVersion,
    fields: [...(c.fields ?? [])].sort(),
  }))
  same(conflicts, model.conflicts.slice(-HISTORY_LIMIT), 'conflicts')
  // The order in which one action confirms several ops is not documented: compared as sets (runs
  // confirm fewer than 50 ops, so which ones the bound keeps does not depend on it).
  const confirmed = (list: readonly string[]) => [...list].sort(byCreation)
  same(confirmed(state.optimistic.recentlyConfirmed), confirmed(model.recentlyConfirmed()), 'recentlyConfirmed')
}

// The model's ops are per key; the selector lists them lane by lane. Compare as sets of ids in creation order.
const byCreation = (a: string, b: string) => Number(a.slice(2)) - Number(b.slice(2))

/**
 * No opId twice; every op in the lane of its own key; count = the pending ops (all but those in
 * doubt); the pending selectors hold exactly those; the op index holds exactly the ops of the
 * lanes (doubt included), at their lane, and is empty when there are none.
 */
export function expectLanesWellFormed(state: RealtimeState, keys: readonly string[]): void {
  const ops = rawOps(state)
  const ids = ops.map((op) => op.opId)
  check(new Set(ids).size === ids.length, () => `an opId is in the lanes twice: ${ids.join(',')}`)
  const pending = ops.filter((op) => op.status !== 'doubt')
  check(state.optimistic.count === pending.length, () => `count ${state.optimistic.count} but ${pending.length} pending ops in lanes`)
  const selected = allOps(state).map((op) => op.opId)
  check(deepEqual([...selected].sort(), pending.map((op) => op.opId).sort()), () => `selectPendingOps ${selected.join(',')} but pending in lanes: ${pending.map((op) => op.opId).join(',')}`)
  for (const [name, lane] of Object.entries(rawLanes(state))) {
    for (const op of lane) check(`${op.collection}/${op.key}` === name, () => `${op.opId} of ${op.collection}/${op.key} is in the lane ${name}`)
  }
  let inLanes = 0
  for (const key of keys) {
    const lane = laneOf(state, key)
    inLanes += lane.length
    check(lane.every((op) => op.status !== 'doubt'), () => `selectPendingOpsFor(${key}) holds an op in doubt`)
    check(hasPendingOps(state, key) === lane.length > 0, () => `selectHasPendingOps(${key}) with ${lane.length} pending ops`)
  }
  check(inLanes === pending.length, () => `${pending.length} pending ops but ${inLanes} in the lanes of ${keys.join(',')}`)
  for (const op of ops) check(opById(state, op.opId) === (op.status === 'doubt' ? undefined : op), () => `selectOpById(${op.opId}) in status ${op.status}`)
  // The op index (README "State"): exactly the ops of the lanes; `{}` once there are none.
  const index = rawIndex(state)
  const expectedIndex = Object.fromEntries(ops.map((op) => [op.opId, { collection: op.collection, key: op.key }]))
  same(index.entries, expectedIndex, 'optimistic.index holds exactly the ops of the lanes')
  // Emptied buckets may stay while ops remain (README "State"); with no op left the index is `{}`.
  check(ops.length > 0 || index.buckets === 0, () => `optimistic.index is not {} with no ops (${index.emptyBuckets} empty buckets)`)
}

/**
 * Every rollback record is true against the fake server (README "The life of an op" 4): the
 * server did not apply a rolled-back op, unless the record says `appliedAfterAll` or
 * `reason.inDoubt`; and `appliedAfterAll` is only said of an op the server did apply. For the
 * records still in the list at the end of a settled run.
 */
export function expectRollbacksTrue(run: Run): void {
  for (const r of run.state.optimistic.rollbacks) {
    const applied = (run.server.applyCount.get(r.opId) ?? 0) > 0
    const what = `the rollback record of ${r.opId} (${r.reason.code}${r.reason.inDoubt ? ', inDoubt' : ''}${r.appliedAfterAll ? ', appliedAfterAll' : ''})`
    if (r.appliedAfterAll) check(applied, () => `${what} says applied after all, but the server never applied it`)
    else if (applied && !r.reason.inDoubt && !run.blindNackRollbacks.has(r.opId)) {
      const requeued = run.requeuedRollbacks.has(r.opId)
      throw new Error(
        `${what} is false: the server applied ${r.opId}, and the record says neither appliedAfterAll nor inDoubt` +
          (requeued ? ' (it was rolled back while queued for a resend of a delivery that was never answered)' : ''),
      )
    }
  }
}

/** A cheap assertion for hot loops (vitest's `expect` costs microseconds per call). */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new Error(typeof message === 'function' ? message() : message)
}

/** The path of the first non-plain value (function, Date, Map, class instance, NaN...), or null. */
export function firstNonPlain(value: unknown, path = '$'): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null
  if (typeof value === 'number') return Number.isFinite(value) ? null : path
  if (typeof value !== 'object') return path
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = firstNonPlain(value[i], `${path}[${i}]`)
      if (bad) return bad
    }
    return null
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return path
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue
    const bad = firstNonPlain(v, `${path}.${k}`)
    if (bad) return bad
  }
  return null
}
