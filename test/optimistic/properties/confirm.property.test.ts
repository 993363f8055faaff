/**
 * Invariant 2 (confirm), README "The life of an op" 3: an ACK, a broadcast carrying the opId, or
 * `confirm(opId)` settles exactly that op. With a value, `confirmed`/`version` move to the
 * server's when newer. Without one, at version V: V <= held, held includes it; V = held + 1, the
 * op applied to confirmed is the value at V; higher, the op stays `acked` at V (an op in doubt
 * leaves instead; an op with `protectedFields` is treated so above held, not only above held + 1).
 * With nothing, the op is applied to confirmed at the same version. A confirmed op (not one in
 * doubt) is listed in `recentlyConfirmed`. A late ACK or confirm of a rolled-back op marks its
 * record `appliedAfterAll`, and its value is that op's own effect (no conflict, the lane stands
 * on it); of a confirmed op, it changes nothing.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { UnknownAction } from '@reduxjs/toolkit'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { RUNS, TIMEOUT, entityOf, lateScenarioArb, rawLaneOf, rawOps, runScenario, scenarioArb, type Run, type Step } from './harness'
import { applyOp, type Widget } from './model'

type Payload = { opId: string; key?: string; version?: number; value?: unknown; hasValue: boolean }
const ids = (state: RealtimeState) => rawOps(state).map((op) => op.opId)
const data = (state: RealtimeState) => ({ collections: state.collections, optimistic: state.optimistic })
const conflictsOn = (state: RealtimeState, key: string) => state.optimistic.conflicts.filter((c) => c.key === key)
const recordOf = (state: RealtimeState, opId: string) => state.optimistic.rollbacks.find((r) => r.opId === opId)

function expectConfirmSemantics({ action, before, after, run }: Step): void {
  const { opAcked, confirm, entitiesUpdated } = run.rt.actions
  if (opAcked.match(action) || confirm.match(action)) {
    const p = action.payload as Payload
    const op = rawOps(before).find((o) => o.opId === p.opId)
    if (!op) return expectLate(p, opAcked.match(action), before, after, run)
    const was = entityOf(before, op.key)!
    const now = entityOf(after, op.key)!
    const { version: V } = p
    if (op.status === 'doubt') {
      // README, Conflicts: "its ACK (or a broadcast carrying its opId): the record gets appliedAfterAll".
      expect(recordOf(after, op.opId)?.appliedAfterAll, `${op.opId} in doubt was applied after all`).toBe(true)
    }
    // Without a value the client can work the server's value out only at held + 1, and never for an
    // op a MERGE kept ("treated the same way whatever the version": its deliveries may differ).
    const gap = !p.hasValue && V !== undefined && V > was.version + (op.protectedFields?.length ? 0 : 1)
    if (gap && op.status !== 'doubt') {
      // Applied at a version not seen yet: it stays, acked, and keeps its effect in the view.
      const kept = rawLaneOf(after, op.key).find((o) => o.opId === op.opId)
      expect(kept, `${op.opId} acked at v${V} over v${was.version}`).toMatchObject({ status: 'acked', ackedVersion: V })
      expect(now, 'nothing of the entity changes').toEqual(was)
      expect(ids(after)).toEqual(ids(before))
      for (const o of rawLaneOf(after, op.key)) if (o.status !== 'doubt') expect(o.baseVersion, `${o.opId} stands on v${V}`).toBeGreaterThanOrEqual(V)
      return
    }
    expectRemoved(before, after, op.opId, op.key, run)
    // "ids of the last 50 ops confirmed": an op in doubt is not (its record says applied after all).
    if (op.status !== 'doubt') expect(after.optimistic.recentlyConfirmed, `${op.opId} is recently confirmed`).toContain(op.opId)
    if (p.hasValue) {
      if (V !== undefined && V > was.version) {
        expect(now.version).toBe(V)
        expect(now.confirmed, 'confirmed becomes the server value').toEqual(p.value)
      } else {
        expect(now.version, 'an older version leaves the version alone').toBe(was.version)
        expect(now.confirmed, 'and the confirmed value').toEqual(was.confirmed)
      }
    } else if (V === undefined) {
      expect(now.version, 'confirm(opId) keeps the version').toBe(was.version)
      expect(now.confirmed, 'and applies the op to confirmed').toEqual(applyOp(was.confirmed as Widget | null, op))
    } else if (V <= was.version) {
      expect(now.version, 'held already includes it').toBe(was.version)
      expect(now.confirmed).toEqual(was.confirmed)
    } else if (!gap) {
      expect(now.version).toBe(V)
      expect(now.confirmed, 'the op applied to confirmed is the value at V').toEqual(applyOp(was.confirmed as Widget | null, op))
    } else {
      // In doubt, applied at a version not seen yet: it just leaves.
      expect({ version: now.version, confirmed: now.confirmed }).toEqual({ version: was.version, confirmed: was.confirmed })
    }
    for (const o of rawLaneOf(after, op.key)) if (o.status !== 'doubt') expect(o.baseVersion, `${o.opId} stands on at least the held version`).toBeGreaterThanOrEqual(now.version)
    return
  }
  if (entitiesUpdated.match(action)) {
    for (const u of action.payload.updates) {
      const carried = new Set([...(u.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])])
      for (const r of before.optimistic.rollbacks) {
        if (carried.has(r.opId)) expect(recordOf(after, r.opId)?.appliedAfterAll, `a broadcast carrying rolled-back ${r.opId}`).toBe(true)
      }
      const mine = rawLaneOf(before, u.key).filter((op) => carried.has(op.opId)).map((op) => op.opId)
      // The newest change is a rolled-back op's own (late) effect: no conflict, the lane stands on it.
      if (u.opId !== undefined && !mine.includes(u.opId) && recordOf(before, u.opId)) expectOwnEffect(before, after, u)
      // An acked op leaves when an update of at least its version arrives, whatever its opId.
      for (const op of rawLaneOf(before, u.key)) if (op.status === 'acked' && op.ackedVersion! <= u.version) expect(ids(after), `${op.opId} acked at v${op.ackedVersion}, v${u.version} arrived`).not.toContain(op.opId)
      if (mine.length === 0) continue
      for (const opId of mine) expect(ids(after), `${opId} is confirmed by its broadcast`).not.toContain(opId)
      const was = entityOf(before, u.key)!
      const now = entityOf(after, u.key)!
      expect(now.version).toBe(Math.max(was.version, u.version))
      if (u.version > was.version) expect(now.confirmed).toEqual(u.value)
      // The winner of the batch is ours: no conflict, and the other ops of the lane stay (acked ones up to its version aside).
      if (u.opId !== undefined && mine.includes(u.opId)) {
        expect(conflictsOn(after, u.key), 'no conflict').toEqual(conflictsOn(before, u.key))
        const stay = rawLaneOf(before, u.key).filter((op) => !mine.includes(op.opId) && !(op.status === 'acked' && op.ackedVersion! <= now.version))
        expect(rawLaneOf(after, u.key).map((op) => op.opId)).toEqual(stay.map((op) => op.opId))
      }
    }
  }
}

/** A late ACK/confirm: a rolled-back op's record gets `appliedAfterAll`; a confirmed op's changes nothing. */
function expectLate(p: Payload, isAck: boolean, before: RealtimeState, after: RealtimeState, run: Run): void {
  const record = recordOf(before, p.opId)
  if (!record) {
    // The middleware refuses an ACK naming nothing (unmatched_answer): only confirm() gets here.
    expect(isAck, `opAcked of ${p.opId} reached the reducer, but it names no op or record`).toBe(false)
    expect(data(after), `a late confirm() of ${p.opId} changes nothing`).toEqual(data(before))
    return
  }
  expect(recordOf(after, p.opId)?.appliedAfterAll, `the record of ${p.opId}: applied after all`).toBe(true)
  // A rolled-back op is not confirmed; the acked ops its value reaches are.
  const reached = rawLaneOf(before, record.key).filter((op) => op.status === 'acked' && !ids(after).includes(op.opId)).map((op) => op.opId)
  expect(after.optimistic.recentlyConfirmed, `a late answer of rolled-back ${p.opId} confirms only the acked ops it reaches`).toEqual([...before.optimistic.recentlyConfirmed, ...reached])
  const newer = p.hasValue && p.version !== undefined && p.version > entityOf(before, record.key)!.version
  if (!newer) {
    // Nothing but the record changes.
    expect(data(after).collections).toEqual(data(before).collections)
    expect(ids(after)).toEqual(ids(before))
  } else {
    // Its value is that op's own effect, like its broadcast.
    expectOwnEffect(before, after, { key: record.key, version: p.version!, value: p.value })
  }
  void run
}

/**
 * A rolled-back op's own effect (its late ACK/confirm with a value, or an update whose winning opId
 * it is): `confirmed` moves if newer, no conflict, the pending ops of the key stand on its version,
 * the acked ones it reaches leave.
 */
function expectOwnEffect(before: RealtimeState, after: RealtimeState, u: { key: string; version: number; value: unknown }): void {
  const was = entityOf(before, u.key)!
  const now = entityOf(after, u.key)!
  expect(conflictsOn(after, u.key), `the late effect of a rolled-back op on ${u.key} is no conflict`).toEqual(conflictsOn(before, u.key))
  if (!(u.version > was.version)) return
  expect({ confirmed: now.confirmed, version: now.version }, 'confirmed moves to it').toEqual({ confirmed: u.value, version: u.version })
  for (const op of rawLaneOf(after, u.key)) {
    if (op.status === 'doubt') continue
    expect(op.baseVersion, `${op.opId} stands on v${u.version}`).toBeGreaterThanOrEqual(u.version)
    if (op.status === 'acked') expect(op.ackedVersion, `${op.opId} acked at a version above v${u.version}`).toBeGreaterThan(u.version)
  }
}

/** Exactly `removed` left; every other op of every lane is still there, in the same order (acked ones up to the held version aside). */
function expectRemoved(before: RealtimeState, after: RealtimeState, removed: string, key: string, run: Run): void {
  const held = entityOf(after, key)!.version
  const settled = (id: string) => id === removed || rawOps(before).some((o) => o.opId === id && o.key === key && o.status === 'acked' && o.ackedVersion! <= held)
  expect(ids(after), `exactly ${removed} removed`).toEqual(ids(before).filter((id) => !settled(id)))
  const otherRecords = (state: RealtimeState) => state.optimistic.rollbacks.filter((r) => r.opId !== removed)
  expect(otherRecords(after), 'a confirmation is no rollback').toEqual(otherRecords(before))
  expect(after.optimistic.conflicts, 'nor a conflict').toEqual(before.optimistic.conflicts)
  for (const other of run.keys) {
    if (other !== key) expect(entityOf(after, other), `entity ${other} untouched`).toBe(entityOf(before, other))
  }
}

describe('optimistic core: confirmation', () => {
  it('ACK, broadcast and confirm() settle exactly their op as documented (with a value, a version, or nothing); late ones correct records only', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        runScenario(scenario, expectConfirmSemantics)
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it('late answers of ops rolled back meanwhile (by hand on the wire, given up, refused) are their own effect: records corrected, no conflict', () => {
    fc.assert(
      fc.property(lateScenarioArb(), (scenario) => {
        runScenario(scenario, expectConfirmSemantics, { settle: true })
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it('a replayed ACK, broadcast or confirm() after settling changes nothing, but to say of an op the server applied that it was applied after all', () => {
    fc.assert(
      fc.property(scenarioArb(), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), (scenario, picks, flags) => {
        const run = runScenario(scenario, undefined, { settle: true })
        const replayable: UnknownAction[] = []
        for (const { opId } of run.created) if (!recordOf(run.state, opId) || run.server.applied.has(opId)) replayable.push(run.rt.actions.confirm(opId))
        for (const [opId, ack] of run.server.applied) {
          // Through the middleware: an ACK naming neither a pending op nor a record is refused.
          const record = recordOf(run.state, opId)
          if (record) {
            const bare = flags[replayable.length % flags.length]!
            replayable.push(run.rt.actions.opAcked({ opId, collection: 'widgets', key: ack.key, version: ack.version, ...(bare ? {} : { value: ack.value }), hasValue: !bare, at: 1 }))
          }
          replayable.push(run.rt.actions.entitiesUpdated({ updates: [{ collection: 'widgets', ...ack, opId }], at: 1 }))
        }
        if (replayable.length === 0) return
        for (const i of picks) {
          const settled = run.state
          const action = replayable[i % replayable.length]!
          run.dispatch({ t: 'settle' }, action)
          expect(run.state.collections, `replaying ${action.type}`).toEqual(settled.collections)
          expect(rawOps(run.state), 'no op comes back').toEqual([])
          expect(run.state.optimistic.conflicts).toEqual(settled.optimistic.conflicts)
          const strip = (state: RealtimeState) => state.optimistic.rollbacks.map(({ appliedAfterAll: _, ...r }) => r)
          expect(strip(run.state), 'records change only by appliedAfterAll').toEqual(strip(settled))
          for (const r of run.state.optimistic.rollbacks) if (r.appliedAfterAll) expect(run.server.applied.has(r.opId), `${r.opId} applied after all`).toBe(true)
        }
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)
})
