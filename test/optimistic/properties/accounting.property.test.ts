/**
 * Invariant 4 (nothing lost): every op ever created is, after every step, pending exactly once (in
 * its own key's lane), or was confirmed (ACK, broadcast with its opId, confirm()), or was rolled
 * back with a serializable reason; it never comes back. Versions only move forward. State and
 * actions are plain serializable data.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { UnknownAction } from '@reduxjs/toolkit'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { check, expectLanesWellFormed, firstNonPlain } from './checks'
import { RUNS, TIMEOUT, allOps, entityOf, Run, scenarioArb, type Step } from './harness'

const CODES = ['rejected', 'timeout', 'retries_exhausted', 'conflict', 'manual', 'discarded']

/** The opIds an action confirms when they are pending. */
function confirmedBy(action: UnknownAction, run: Run): Set<string> {
  const { opAcked, confirm, entitiesUpdated } = run.rt.actions
  if (opAcked.match(action) || confirm.match(action)) return new Set([action.payload.opId])
  if (entitiesUpdated.match(action)) return new Set(action.payload.updates.flatMap((u) => [...(u.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])]))
  return new Set()
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
    const newRollbacks = after.optimistic.rollbacks.filter((r) => !before.optimistic.rollbacks.includes(r))
    const confirms = confirmedBy(action, run)
    for (const [opId, op] of was) {
      if (now.has(opId)) continue
      const rollback = newRollbacks.find((r) => r.opId === opId)
      if (rollback) {
        expect(CODES, `${opId} rolled back with a known code`).toContain(rollback.reason.code)
        expect(typeof rollback.reason.message).toBe('string')
        expect(rollback).toMatchObject({ opId, mutation: op.mutation, collection: op.collection, key: op.key, args: op.args })
        expect(firstNonPlain(rollback), 'the rollback is plain data').toBeNull()
        left.set(opId, `was rolled back (${rollback.reason.code})`)
      } else {
        check(confirms.has(opId), () => `${opId} left on ${action.type} without confirmation or rollback`)
        left.set(opId, `was confirmed by ${action.type}`)
      }
    }
    // A rollback record is only ever made for an op that was pending and has now left.
    for (const r of newRollbacks) check(was.has(r.opId) && !now.has(r.opId), () => `rollback of ${r.opId} that was not pending before`)
    // Every op ever created is accounted for exactly one way.
    for (const opId of created) check(now.has(opId) !== left.has(opId), () => `${opId}: pending xor settled`)
  }
}

function expectVersionsMonotonic({ before, after, run }: Step): void {
  for (const key of run.keys) {
    const was = entityOf(before, key)?.version ?? 0
    const now = entityOf(after, key)!
    check(now.version >= was, () => `version of ${key} went back from ${was} to ${now.version}`)
    for (const op of allOps(after).filter((o) => o.key === key)) {
      check(op.baseVersion <= now.version, () => `${op.opId}.baseVersion ${op.baseVersion} > held version ${now.version}`)
      check(Number.isInteger(op.attempts) && op.attempts >= 0, () => `${op.opId}.attempts = ${op.attempts}`)
      check(op.status === 'queued' || op.status === 'sent', () => `${op.opId}.status = ${op.status}`)
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

  it("confirmed's version never decreases for any key; ops never stand on a version beyond it", () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        const run = new Run(scenario, expectVersionsMonotonic)
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
