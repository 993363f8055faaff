/**
 * Invariant 2 (confirm): an ACK, a broadcast carrying the opId, or `confirm(opId)` removes exactly
 * that op and moves `confirmed`/`version` to the server's when newer; a duplicate or late ACK (or
 * confirm) changes nothing else.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { UnknownAction } from '@reduxjs/toolkit'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { RUNS, TIMEOUT, allOps, entityOf, laneOf, runScenario, scenarioArb, type Step } from './harness'

type Payload = { opId: string; key?: string; version?: number; value?: unknown; hasValue?: boolean }
const ids = (state: RealtimeState) => allOps(state).map((op) => op.opId)
const data = (state: RealtimeState) => ({ collections: state.collections, optimistic: state.optimistic })
const conflictsOn = (state: RealtimeState, key: string) => state.optimistic.conflicts.filter((c) => c.key === key)
const keyOf = (state: RealtimeState, opId: string) => allOps(state).find((op) => op.opId === opId)?.key

function expectConfirmSemantics({ action, before, after, run }: Step): void {
  const { opAcked, confirm, entitiesUpdated } = run.rt.actions
  if (opAcked.match(action) || confirm.match(action)) {
    const p = action.payload as Payload
    const key = keyOf(before, p.opId)
    if (key === undefined) {
      // Duplicate or late: nothing about ops changes. An ACK's value still counts as an
      // ordinary update (applied if newer, which may be a conflict); confirm() changes nothing.
      const newer = opAcked.match(action) && p.version !== undefined && p.version > entityOf(before, p.key!)!.version
      if (!newer) expect(data(after), `a late/duplicate ${action.type} of ${p.opId} changes nothing`).toEqual(data(before))
      return
    }
    expectExactlyRemoved(before, after, [p.opId], key, run.keys)
    const was = entityOf(before, key)!
    const now = entityOf(after, key)!
    if (p.version !== undefined && p.version > was.version && p.hasValue !== false) {
      expect(now.version).toBe(p.version)
      expect(now.confirmed, 'confirmed becomes the server value').toEqual(p.value)
    } else if (p.version !== undefined) {
      expect(now.version, 'an older version leaves the version alone').toBe(was.version)
      if (p.hasValue !== false) expect(now.confirmed, 'and the confirmed value').toEqual(was.confirmed)
    }
    for (const op of laneOf(after, key)) expect(op.baseVersion, `${op.opId} stands on at most the held version`).toBeLessThanOrEqual(now.version)
    return
  }
  if (entitiesUpdated.match(action)) {
    for (const u of action.payload.updates) {
      const carried = new Set([...(u.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])])
      const mine = laneOf(before, u.key).filter((op) => carried.has(op.opId)).map((op) => op.opId)
      if (mine.length === 0) continue
      for (const opId of mine) expect(ids(after), `${opId} is confirmed by its broadcast`).not.toContain(opId)
      const was = entityOf(before, u.key)!
      const now = entityOf(after, u.key)!
      expect(now.version).toBe(Math.max(was.version, u.version))
      if (u.version > was.version) expect(now.confirmed).toEqual(u.value)
      // The winner of the batch is ours: no conflict, and the other lanes are untouched.
      if (u.opId !== undefined && mine.includes(u.opId)) {
        expect(conflictsOn(after, u.key), 'no conflict').toEqual(conflictsOn(before, u.key))
        expect(laneOf(after, u.key).map((op) => op.opId)).toEqual(laneOf(before, u.key).map((op) => op.opId).filter((id) => !mine.includes(id)))
      }
    }
  }
}

/** Exactly `removed` left; every other op of every lane is still there, in the same order. */
function expectExactlyRemoved(before: RealtimeState, after: RealtimeState, removed: string[], key: string, keys: readonly string[]): void {
  expect(ids(after), `exactly ${removed.join(',')} removed`).toEqual(ids(before).filter((id) => !removed.includes(id)))
  expect(after.optimistic.rollbacks, 'a confirmation is no rollback').toEqual(before.optimistic.rollbacks)
  expect(after.optimistic.conflicts, 'nor a conflict').toEqual(before.optimistic.conflicts)
  for (const other of keys) {
    if (other !== key) expect(entityOf(after, other), `entity ${other} untouched`).toBe(entityOf(before, other))
  }
}

describe('optimistic core: confirmation', () => {
  it('ACK, broadcast and confirm() remove exactly their op and move confirmed forward; duplicates and late ones are harmless', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        runScenario(scenario, expectConfirmSemantics)
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it('a replayed ACK, broadcast or confirm() after settling changes nothing at all', () => {
    fc.assert(
      fc.property(scenarioArb(), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (scenario, picks) => {
        const run = runScenario(scenario, undefined, { settle: true })
        const replayable: UnknownAction[] = []
        for (const { opId } of run.created) replayable.push(run.rt.actions.confirm(opId))
        for (const [opId, ack] of run.server.applied) {
          replayable.push(run.rt.actions.opAcked({ opId, collection: 'widgets', key: ack.key, version: ack.version, value: ack.value, hasValue: true, at: 1 }))
          replayable.push(run.rt.actions.entitiesUpdated({ updates: [{ collection: 'widgets', ...ack, opId }], at: 1 }))
        }
        if (replayable.length === 0) return
        const settled = run.state
        for (const i of picks) {
          const action = replayable[i % replayable.length]!
          run.dispatch({ t: 'settle' }, action)
          expect(data(run.state), `replaying ${action.type}`).toEqual(data(settled))
        }
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)
})
