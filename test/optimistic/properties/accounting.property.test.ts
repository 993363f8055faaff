/**
 * Invariant 4 (nothing lost): every op ever created is, after every step, pending exactly once (in
 * its own key's lane), or was confirmed (ACK, broadcast with its opId, confirm(), or the update an
 * acked op waited for; then it is listed in `recentlyConfirmed`), or was rolled back with a
 * serializable reason (in doubt when a delivery of it went unanswered); it never comes back. An
 * op rolled back while on the wire (by a conflict, or by hand) may stay in its lane in `doubt`,
 * never pending again. Versions only move forward. State and actions are plain serializable data.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { UnknownAction } from '@reduxjs/toolkit'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { check, expectLanesWellFormed, firstNonPlain } from './checks'
import { RUNS, TIMEOUT, allOps, entityOf, rawLaneOf, rawOps, Run, scenarioArb, type Step } from './harness'

/** README "The life of an op" 4: the only rollback codes. */
const CODES = ['rejected', 'retries_exhausted', 'conflict', 'manual']

/** The opIds an action may confirm when they are pending. */
function confirmedBy(action: UnknownAction, before: RealtimeState, run: Run): Set<string> {
  const { opAcked, confirm, entitiesUpdated } = run.rt.actions
  const ids = new Set<string>()
  const keys: string[] = []
  if (opAcked.match(action) || confirm.match(action)) {
    const { opId } = action.payload
    ids.add(opId)
    // A late ACK of a rolled-back op: its value is applied as an ordinary update of its key.
    const where = rawOps(before).find((o) => o.opId === opId) ?? before.optimistic.rollbacks.find((r) => r.opId === opId)
    if (where) keys.push(where.key)
  } else if (entitiesUpdated.match(action)) {
    for (const u of action.payload.updates) {
      for (const id of [...(u.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])]) ids.add(id)
      keys.push(u.key)
    }
  }
  // An acked op leaves once the version it was applied at arrives, whatever the update's opId.
  for (const key of keys) for (const op of rawLaneOf(before, key)) if (op.status === 'acked') ids.add(op.opId)
  return ids
}

/** Tracks every op across the steps of one run. */
function accountant() {
  const created = new Set<string>()
  const left = new Map<string, string>() // opId -> how it left
  return (step: Step): void => {
    const { action, before, after, run } = step
    expectLanesWellFormed(after, run.keys)
    const was = new Map(allOps(before).map((op) => [op.opId, op]))
    const now = new Map(allOps(after).map((op) => [op.opId, op]))
    const payload = action.payload as { opId?: string } | undefined
    const isMutation = action.type === run.rt.actions.updateWidget.type || action.type === run.rt.actions.renameWidget.type
    // New ops come only from a mutation action, one each, and never come back once gone.
    for (const opId of now.keys()) {
      if (was.has(opId)) continue
      check(isMutation && payload?.opId === opId, () => `${opId} appeared on ${action.type}`)
      check(!left.has(opId), () => `${opId} came back after it ${left.get(opId)}`)
      created.add(opId)
    }
    const recorded = new Set(before.optimistic.rollbacks.map((r) => r.opId))
    const newRollbacks = after.optimistic.rollbacks.filter((r) => !recorded.has(r.opId))
    const confirms = confirmedBy(action, before, run)
    for (const [opId, op] of was) {
      if (now.has(opId)) continue
      const rollback = newRollbacks.find((r) => r.opId === opId)
      if (rollback) {
        expect(CODES, `${opId} rolled back with a known code`).toContain(rollback.reason.code)
        expect(typeof rollback.reason.message).toBe('string')
        expect(rollback).toMatchObject({ opId, mutation: op.mutation, collection: op.collection, key: op.key, args: op.args })
        expect(firstNonPlain(rollback), 'the rollback is plain data').toBeNull()
        left.set(opId, `was rolled back (${rollback.reason.code})`)
        // Rolled back while on the wire (by a conflict or by hand): it may hold its lane's turn, in doubt.
        const held = rawOps(after).find((o) => o.opId === opId)
        if (held) {
          check(held.status === 'doubt' && op.status === 'sent' && ['conflict', 'manual'].includes(rollback.reason.code), () => `${opId} rolled back (${rollback.reason.code}) from ${op.status} but still in its lane as ${held.status}`)
        }
        // "earlierUnanswered: a delivery of it got no answer, so its rollback can only be in doubt".
        if (op.earlierUnanswered) check(rollback.reason.inDoubt === true, () => `${opId} had an unanswered delivery, but its record (${rollback.reason.code}) is not in doubt`)
        check(!after.optimistic.recentlyConfirmed.includes(opId), () => `${opId} was rolled back, but is listed as recently confirmed`)
      } else {
        check(confirms.has(opId), () => `${opId} left on ${action.type} without confirmation or rollback`)
        check(!rawOps(after).some((o) => o.opId === opId), () => `${opId} confirmed but still in its lane`)
        check(after.optimistic.recentlyConfirmed.includes(opId), () => `${opId} confirmed by ${action.type}, but not in recentlyConfirmed`)
        left.set(opId, `was confirmed by ${action.type}`)
      }
    }
    // A rollback record is only ever made for an op that was pending and has now left.
    for (const r of newRollbacks) check(was.has(r.opId) && !now.has(r.opId), () => `rollback of ${r.opId} that was not pending before`)
    // An op in doubt has its record (while the record is among the last 50).
    const records = new Map(after.optimistic.rollbacks.map((r) => [r.opId, r]))
    for (const op of rawOps(after)) {
      if (op.status !== 'doubt') continue
      check(left.has(op.opId), () => `${op.opId} is in doubt but was never rolled back`)
      const r = records.get(op.opId)
      const fits = !r || (['conflict', 'manual'].includes(r.reason.code) && !!r.reason.inDoubt === !!op.earlierUnanswered && !r.appliedAfterAll)
      check(fits, () => `${op.opId} in doubt, with record ${JSON.stringify(r)}`)
    }
    // Records only ever gain `appliedAfterAll`/`inDoubt`; nothing else of them changes.
    for (const r of after.optimistic.rollbacks) {
      const old = before.optimistic.rollbacks.find((o) => o.opId === r.opId)
      if (!old || old === r) continue
      const { appliedAfterAll: _a, reason: { inDoubt: _d, ...reason }, ...rest } = r
      const { appliedAfterAll: _oa, reason: { inDoubt: _od, ...oldReason }, ...oldRest } = old
      expect({ ...rest, reason }, `the record of ${r.opId} changed`).toEqual({ ...oldRest, reason: oldReason })
      check(!old.appliedAfterAll || r.appliedAfterAll, () => `${r.opId} lost appliedAfterAll`)
      check(!old.reason.inDoubt || r.reason.inDoubt, () => `${r.opId} lost inDoubt`)
    }
    // Every op ever created is accounted for exactly one way.
    for (const opId of created) check(now.has(opId) !== left.has(opId), () => `${opId}: pending xor settled`)
  }
}

function versionsMonotonic() {
  // Per key, the highest version the server is known to have reached: held, or an ACK's/confirm's.
  const known = new Map<string, number>()
  return ({ action, before, after, run }: Step): void => {
    const { opAcked, confirm } = run.rt.actions
    if ((opAcked.match(action) || confirm.match(action)) && action.payload.version !== undefined) {
      const { opId, version } = action.payload
      const where = rawOps(before).find((o) => o.opId === opId) ?? before.optimistic.rollbacks.find((r) => r.opId === opId)
      if (where) known.set(where.key, Math.max(known.get(where.key) ?? 0, version))
    }
    for (const key of run.keys) {
      const was = entityOf(before, key)?.version ?? 0
      const now = entityOf(after, key)!
      check(now.version >= was, () => `version of ${key} went back from ${was} to ${now.version}`)
      const lane = rawLaneOf(after, key)
      // Ops stand on the held version, or on a version an ACK said the server reached (an acked op's, also once it is gone).
      const standOn = Math.max(now.version, known.get(key) ?? 0, ...lane.map((op) => op.ackedVersion ?? 0))
      known.set(key, standOn)
      for (const op of lane) {
        check(Number.isInteger(op.attempts) && op.attempts >= 0, () => `${op.opId}.attempts = ${op.attempts}`)
        check(['queued', 'sent', 'acked', 'doubt'].includes(op.status), () => `${op.opId}.status = ${op.status}`)
        if (op.status === 'doubt') continue
        check(op.baseVersion <= standOn, () => `${op.opId}.baseVersion ${op.baseVersion} > held version ${now.version}`)
        if (op.status === 'acked') check(op.ackedVersion! > now.version, () => `${op.opId} is acked at ${op.ackedVersion}, but v${now.version} is held`)
        else check(op.ackedVersion === undefined, () => `${op.opId} is ${op.status} with ackedVersion ${op.ackedVersion}`)
        check(!op.staleDelivery || op.status === 'sent', () => `${op.opId} is ${op.status} with staleDelivery`)
      }
    }
  }
}

function expectPlainData({ action, after }: Step): void {
  const bad = firstNonPlain(after as RealtimeState)
  check(bad === null, () => `state is not plain data at ${bad}`)
  const badAction = firstNonPlain(action)
  check(badAction === null, () => `${action.type} is not plain data at ${badAction}`)
}

describe('optimistic core: nothing lost, versions forward, plain data', () => {
  it('every op is pending exactly once, or confirmed, or rolled back with a serializable reason; none comes back', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        const run = new Run(scenario, accountant())
        for (const cmd of scenario.cmds) run.exec(cmd)
        run.settle()
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it("confirmed's version never decreases for any key; ops never stand on a version beyond it (or one an ACK named)", () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        const run = new Run(scenario, versionsMonotonic())
        for (const cmd of scenario.cmds) run.exec(cmd)
        run.settle()
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it('state and actions are plain serializable data after every step', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        const run = new Run(scenario, expectPlainData)
        for (const cmd of scenario.cmds) run.exec(cmd)
        run.settle()
        expect(JSON.parse(JSON.stringify(run.state)), 'state survives JSON').toEqual(run.state)
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)
})
