/** Assertions shared by the property files: the package's state against the reference model. */
import { expect } from 'vitest'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { allOps, entityOf, hasPendingOps, laneOf, type Run } from './harness'
import { HISTORY_LIMIT, deepEqual, fold, type Widget } from './model'

/** `expect(actual).toEqual(expected)`, paid for only when they differ (for the diff). */
function same(actual: unknown, expected: unknown, message: string): void {
  if (!deepEqual(actual, expected)) expect(actual, message).toEqual(expected)
}

/** Invariant 1, from the package's own state: view = its lane's ops applied to its confirmed. */
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

/** The lanes, count and the bounded histories equal the model's. */
export function expectOpsMatchModel(run: Run): void {
  const { state, model } = run
  const lanes: Record<string, unknown> = {}
  for (const key of run.keys) {
    const ops = laneOf(state, key)
    if (ops.length > 0) lanes[`widgets/${key}`] = ops.map((op) => ({
      opId: op.opId,
      mutation: op.mutation,
      key: op.key,
      args: op.args,
      baseVersion: op.baseVersion,
      status: op.status,
      attempts: op.attempts,
      protectedFields: op.protectedFields?.length ? [...op.protectedFields].sort() : undefined,
    }))
  }
  same(allOps(state).length, Object.values(lanes).flat().length, 'no ops outside the keys of the run')
  const expected: Record<string, unknown> = {}
  for (const [key, ops] of Object.entries(model.lanes)) {
    expected[`widgets/${key}`] = ops.map(({ stale: _, ...op }) => ({ ...op, protectedFields: op.protectedFields?.length ? op.protectedFields : undefined }))
  }
  same(lanes, expected, 'lanes')
  same(state.optimistic.count, model.pending().length, 'count')
  const rollbacks = state.optimistic.rollbacks.map((r) => ({
    opId: r.opId,
    mutation: r.mutation,
    key: r.key,
    args: r.args,
    code: r.reason.code,
    ...(r.reason.serverReason !== undefined ? { serverReason: r.reason.serverReason } : {}),
  }))
  same(rollbacks, model.rollbacks.slice(-HISTORY_LIMIT), 'rollbacks')
  const conflicts = state.optimistic.conflicts.map((c) => ({
    key: c.key,
    strategy: c.strategy,
    opIds: c.opIds,
    local: c.local,
    remote: c.remote,
    remoteVersion: c.remoteVersion,
    fields: [...(c.fields ?? [])].sort(),
  }))
  same(conflicts, model.conflicts.slice(-HISTORY_LIMIT), 'conflicts')
}

/** No opId twice; every op in the lane of its own key; count = ops in lanes; "has pending ops" = a non-empty lane. */
export function expectLanesWellFormed(state: RealtimeState, keys: readonly string[]): void {
  const ids = allOps(state).map((op) => op.opId)
  check(new Set(ids).size === ids.length, () => `an opId is in the lanes twice: ${ids.join(',')}`)
  check(state.optimistic.count === ids.length, () => `count ${state.optimistic.count} but ${ids.length} ops in lanes`)
  let inLanes = 0
  for (const key of keys) {
    const lane = laneOf(state, key)
    inLanes += lane.length
    check(hasPendingOps(state, key) === lane.length > 0, () => `selectHasPendingOps(${key}) with ${lane.length} ops`)
    for (const op of lane) check(op.collection === 'widgets' && op.key === key, () => `${op.opId} of ${op.collection}/${op.key} is in the lane of ${key}`)
  }
  check(inLanes === ids.length, () => `${ids.length} pending ops but ${inLanes} in the lanes of ${keys.join(',')}`)
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
