/**
 * Invariant 3 (conflict): a remote update newer than the held version, under pending ops, that is
 * not the effect of one of them, is recorded as a conflict with the configured strategy, and the
 * view follows the strategy: REMOTE_WINS drops the ops (reason `conflict`), LOCAL_WINS keeps them
 * on top of the remote value, MERGE takes every field the remote changed and keeps the rest local.
 * Everything else (no pending ops, older versions, our own broadcasts) is no conflict.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { RUNS, TIMEOUT, allOps, entityOf, laneOf, runScenario, scenarioArb, STRATEGIES, type Step } from './harness'
import { changedFields, fold, type Strategy, type Widget } from './model'

interface Incoming {
  key: string
  version: number
  value: unknown
  opId?: string
  opIds?: string[]
}

/** The updates an action brings: a batch, or a late ACK (its value counts as an ordinary update). */
function incoming({ action, before, run }: Step): Incoming[] {
  const { entitiesUpdated, opAcked } = run.rt.actions
  if (entitiesUpdated.match(action)) return action.payload.updates
  if (opAcked.match(action) && action.payload.hasValue && action.payload.version !== undefined) {
    const { key, version, value, opId } = action.payload
    const pending = allOps(before).some((op) => op.opId === opId)
    if (!pending) return [{ key, version, value, opIds: [opId] }]
  }
  return []
}

const conflictsOn = (state: RealtimeState, key: string) => state.optimistic.conflicts.filter((c) => c.key === key)

function expectConflictSemantics(strategy: Strategy) {
  return (step: Step): void => {
    const { before, after } = step
    for (const u of incoming(step)) {
      const carried = new Set([...(u.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])])
      const lane = laneOf(before, u.key)
      const held = entityOf(before, u.key) ?? { confirmed: null, version: 0, view: null }
      const newestIsOurs = u.opId !== undefined && lane.some((op) => op.opId === u.opId)
      const rest = lane.filter((op) => !carried.has(op.opId))
      const isConflict = u.version > held.version && !newestIsOurs && rest.length > 0
      const added = conflictsOn(after, u.key).filter((c) => !before.optimistic.conflicts.includes(c))
      if (!isConflict) {
        expect(added, `no conflict on ${u.key} (v${u.version} over v${held.version}, ${lane.length} pending)`).toEqual([])
        continue
      }
      expect(added, `one conflict on ${u.key}`).toHaveLength(1)
      const base = held.confirmed as Widget | null
      const local = held.view as Widget | null
      const remote = u.value as Widget | null
      const both = changedFields(base, local).filter((f) => changedFields(base, remote).includes(f))
      expect(added[0]).toMatchObject({ key: u.key, strategy, opIds: rest.map((op) => op.opId), local, remote, remoteVersion: u.version })
      expect([...(added[0]!.fields ?? [])].sort(), 'fields both sides changed').toEqual(both)
      const now = entityOf(after, u.key)!
      expect(now.version).toBe(u.version)
      expect(now.confirmed).toEqual(remote)
      const view = now.view as Record<string, unknown> | null
      if (strategy === 'REMOTE_WINS') {
        expect(view, 'REMOTE_WINS: the view is the remote value').toEqual(remote)
        expect(laneOf(after, u.key), 'and the ops are gone').toEqual([])
        const rolledBack = after.optimistic.rollbacks.filter((r) => r.key === u.key && !before.optimistic.rollbacks.includes(r))
        expect(rolledBack.map((r) => [r.opId, r.reason.code])).toEqual(rest.map((op) => [op.opId, 'conflict']))
        continue
      }
      const kept = laneOf(after, u.key)
      expect(kept.map((op) => op.opId), `${strategy}: the ops stay`).toEqual(rest.map((op) => op.opId))
      for (const op of kept) {
        // Sent again on the new version; a delivery on the wire is answered first (one copy on the wire).
        const was = rest.find((o) => o.opId === op.opId)!
        expect(op, `${op.opId} moves to the new version`).toMatchObject({ baseVersion: u.version, status: was.status })
      }
      if (strategy === 'LOCAL_WINS') {
        expect(view, 'LOCAL_WINS: the ops on top of the remote value').toEqual(fold(remote, rest.map((op) => ({ ...op, protectedFields: op.protectedFields }))))
        continue
      }
      if (carried.size > 0 || base === null || remote === null || view === null) continue // per-field rule below is for pure remote changes
      // MERGE, field by field: remote changed it -> remote's; else local changed it -> local's; else base's.
      const remoteChanged = changedFields(base, remote)
      const localChanged = changedFields(base, local)
      const fieldsOf = new Set([...Object.keys(base), ...Object.keys(remote), ...Object.keys(local ?? {})])
      for (const f of fieldsOf) {
        const from = remoteChanged.includes(f) ? remote : localChanged.includes(f) ? local : base
        expect(view[f], `MERGE: ${u.key}.${f} from ${from === remote ? 'remote' : from === local ? 'local' : 'base'}`).toEqual((from as Record<string, unknown> | null)?.[f])
      }
    }
  }
}

describe('optimistic core: conflicts', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: remote updates over pending ops are conflicts and resolve as documented`, () => {
      fc.assert(
        fc.property(scenarioArb().map((s) => ({ ...s, strategy })), (scenario) => {
          runScenario(scenario, expectConflictSemantics(strategy))
        }),
        { numRuns: RUNS },
      )
    }, TIMEOUT)
  }
})
