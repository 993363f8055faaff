/**
 * Invariant 3 (conflict), README "Conflicts": a remote update newer than the held version, over
 * pending ops (not acked) whose baseVersion is below it, that is not the effect of one of them, is
 * recorded as a conflict with the configured strategy (`inFlight`: those on the wire), and the
 * view follows the strategy. REMOTE_WINS rolls the ops back (reason `conflict`); one on the wire
 * stays in its lane in `doubt`, out of the view. LOCAL_WINS keeps them on top of the remote value;
 * MERGE takes every field the remote changed and keeps the rest local, and rolls back an op not
 * on the wire that is left with nothing to change. Everything else (no pending ops, older
 * versions, our own broadcasts, the late effect of an op rolled back meanwhile, updates beneath an
 * acked op) is no conflict.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import type { Op } from '../../../src/optimistic/types'
import { RUNS, TIMEOUT, entityOf, laneOf, rawLaneOf, rawOps, runScenario, scenarioArb, STRATEGIES, type Step } from './harness'
import { changedFields, fold, mergedAway, type Strategy, type Widget } from './model'

interface Incoming {
  key: string
  version: number
  value: unknown
  opId?: string
  opIds?: string[]
}

/** The updates an action brings: a batch, or a late ACK of a rolled-back op (its value counts as an ordinary update). */
function incoming({ action, before, run }: Step): Incoming[] {
  const { entitiesUpdated, opAcked } = run.rt.actions
  if (entitiesUpdated.match(action)) return action.payload.updates
  if (opAcked.match(action) && action.payload.hasValue) {
    const { key, version, value, opId } = action.payload
    // A late ACK of a rolled-back op: its value is that op's own effect, like its broadcast.
    if (!rawOps(before).some((op) => op.opId === opId)) return [{ key, version, value, opId, opIds: [opId] }]
  }
  return []
}

const conflictsOn = (state: RealtimeState, key: string) => state.optimistic.conflicts.filter((c) => c.key === key)
const newRecords = (before: RealtimeState, after: RealtimeState, key: string) => {
  const known = new Set(before.optimistic.rollbacks.map((r) => r.opId))
  return after.optimistic.rollbacks.filter((r) => r.key === key && !known.has(r.opId))
}

function expectConflictSemantics(strategy: Strategy) {
  return (step: Step): void => {
    const { before, after } = step
    for (const u of incoming(step)) {
      const carried = new Set([...(u.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])])
      const lane = laneOf(before, u.key) // pending: ops in doubt are not
      const held = entityOf(before, u.key) ?? { confirmed: null, version: 0, view: null }
      // Its own broadcast confirms an op in doubt too: no conflict for the ops made after it; so is
      // the late effect of an op rolled back meanwhile (its record is still kept).
      const newestIsOurs = u.opId !== undefined && (rawLaneOf(before, u.key).some((op) => op.opId === u.opId) || before.optimistic.rollbacks.some((r) => r.opId === u.opId))
      const rest = lane.filter((op) => !carried.has(op.opId) && op.status !== 'acked' && op.baseVersion < u.version)
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
      const onTheWire = rest.filter((op) => op.status === 'sent').map((op) => op.opId)
      expect(added[0]).toMatchObject({ key: u.key, strategy, opIds: rest.map((op) => op.opId), local, remote, remoteVersion: u.version })
      expect(added[0]!.inFlight ?? [], 'inFlight: the ops whose delivery was on the wire').toEqual(onTheWire)
      expect([...(added[0]!.fields ?? [])].sort(), 'fields both sides changed').toEqual(both)
      const now = entityOf(after, u.key)!
      expect(now.version).toBe(u.version)
      expect(now.confirmed).toEqual(remote)
      const view = now.view as Record<string, unknown> | null
      // The ops the conflict is not about (beneath an acked op, or standing on its version) stay as they were.
      const others = lane.filter((op) => !carried.has(op.opId) && !rest.includes(op) && !(op.status === 'acked' && op.ackedVersion! <= u.version))
      const recorded = newRecords(before, after, u.key)
      if (strategy === 'REMOTE_WINS') {
        expect(laneOf(after, u.key).map((op) => op.opId), 'REMOTE_WINS: the ops are gone from the pending ops').toEqual(others.map((op) => op.opId))
        expect(view, 'and the view is the remote value (under the ops it is not about)').toEqual(fold(remote, others))
        // In doubt only when a delivery of it went unanswered before.
        expect(recorded.map((r) => [r.opId, r.reason.code, !!r.reason.inDoubt, !!r.appliedAfterAll]), 'each rolled back at once (conflict)').toEqual(rest.map((op) => [op.opId, 'conflict', !!op.earlierUnanswered, false]))
        // One on the wire holds its lane's turn, in doubt, until its answer.
        const doubt = rawLaneOf(after, u.key).filter((op) => op.status === 'doubt').map((op) => op.opId)
        for (const opId of onTheWire) expect(doubt, `${opId} was on the wire: in doubt`).toContain(opId)
        for (const op of rest) if (op.status !== 'sent') expect(rawOps(after).map((o) => o.opId), `${op.opId} was not on the wire: gone`).not.toContain(op.opId)
        continue
      }
      const kept = laneOf(after, u.key)
      for (const op of kept) {
        const was = rest.find((o) => o.opId === op.opId)
        if (!was) continue
        // Sent again on the new version; a delivery on the wire is answered first (one copy on the wire).
        expect(op, `${op.opId} moves to the new version`).toMatchObject({ baseVersion: u.version, status: was.status })
        expect(!!op.staleDelivery, `${op.opId}: its delivery on the old version is stale`).toBe(was.status === 'sent')
      }
      if (strategy === 'LOCAL_WINS') {
        expect(kept.map((op) => op.opId), 'LOCAL_WINS: the ops stay').toEqual(lane.filter((op) => !carried.has(op.opId) && (rest.includes(op) || others.includes(op))).map((op) => op.opId))
        expect(recorded, 'and none is rolled back').toEqual([])
        expect(view, 'LOCAL_WINS: the ops on top of the remote value').toEqual(fold(remote, kept))
        continue
      }
      // MERGE: an op not on the wire whose effect on the view is nothing after protection is merged away.
      expectMergedAway(lane, rest, kept, recorded.map((r) => r.opId), remote, u, base)
      expect(recorded.every((r) => r.reason.code === 'conflict'), 'merged away: code conflict').toBe(true)
      for (const r of recorded) expect(!!r.reason.inDoubt, `${r.opId} merged away: in doubt iff a delivery went unanswered`).toBe(!!lane.find((op) => op.opId === r.opId)?.earlierUnanswered)
      if (carried.size > 0 || base === null || remote === null || view === null || lane.length > rest.length) continue // per-field rule below is for pure remote changes
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

/** Each op of the conflict, in lane order, judged on the view below it: the remote value and the ops kept before it. */
function expectMergedAway(lane: readonly Op[], rest: readonly Op[], kept: readonly Op[], dropped: string[], remote: Widget | null, u: Incoming, base: Widget | null): void {
  const protect = changedFields(base, remote)
  const below: Op[] = []
  for (const op of lane) {
    if (!rest.includes(op)) {
      if (kept.some((o) => o.opId === op.opId)) below.push(op)
      continue
    }
    const protectedFields = [...new Set([...(op.protectedFields ?? []), ...protect])]
    const merged = { ...op, protectedFields }
    const away = op.status !== 'sent' && mergedAway(fold(remote, below), merged)
    expect(dropped.includes(op.opId), `${op.opId} ${away ? 'is' : 'is not'} merged away by v${u.version}`).toBe(away)
    if (!away) {
      expect(kept.find((o) => o.opId === op.opId)?.protectedFields?.slice().sort(), `${op.opId} protects what the remote changed`).toEqual(protect.length ? protectedFields.sort() : op.protectedFields?.slice().sort())
      below.push(merged)
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
