/**
 * Rollback independence (invariant 1, the RTK Query `patchResult.undo` failure): rolling back an
 * op A never undoes an op B made after it. Checked on every rollback of every random run, and on
 * runs built around "edit A, edit B, roll A back" with random traffic in between.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { expectEntitiesMatchModel } from './checks'
import { RUNS, TIMEOUT, Run, cmdArb, entityOf, laneOf, scenarioArb, STRATEGIES, type Step } from './harness'
import { FIELD_OF, type Field } from './model'

/**
 * After a step that rolled ops back: in each lane touched, the newest remaining op that writes a
 * field (and does not have it protected by a MERGE) decides that field in the view; a field no
 * remaining op writes is the confirmed value's.
 */
function expectRollbacksIndependent({ before, after, run }: Step): void {
  const gone = after.optimistic.rollbacks.filter((r) => !before.optimistic.rollbacks.includes(r))
  for (const key of new Set(gone.map((r) => r.key))) expectFieldsDecidedByNewestOp(after, key, run)
}

function expectFieldsDecidedByNewestOp(state: RealtimeState, key: string, run: Run): void {
  const entity = entityOf(state, key)!
  const view = entity.view as Record<string, unknown> | null
  const confirmed = entity.confirmed as Record<string, unknown> | null
  if (view === null || confirmed === null) return
  for (const field of ['value', 'title'] as Field[]) {
    const writer = [...laneOf(state, key)].reverse().find((op) => FIELD_OF[op.mutation as keyof typeof FIELD_OF] === field)
    if (writer && !writer.protectedFields?.includes(field)) {
      expect(view[field], `${key}.${field} comes from ${writer.opId}, the newest op writing it`).toEqual((writer.args as Record<string, unknown>)[field])
    } else if (!laneOf(state, key).some((op) => FIELD_OF[op.mutation as keyof typeof FIELD_OF] === field)) {
      expect(view[field], `${key}.${field}: no pending op writes it, so it is confirmed's`).toEqual(confirmed[field])
    }
  }
  expectEntitiesMatchModel(run)
}

const field = fc.constantFrom<Field>('value', 'title')
const noise = fc.array(cmdArb, { maxLength: 8 })
/** Random traffic, then A, traffic, B (same field or another), traffic, then A is rolled back. */
const abArb = fc.record({
  strategy: fc.constantFrom(...STRATEGIES),
  before: noise,
  a: fc.record({ field, v: fc.nat({ max: 3 }) }),
  between: noise,
  b: fc.record({ field, v: fc.nat({ max: 3 }) }),
  after: noise,
  how: fc.constantFrom('manual', 'nack', 'timeouts'),
})

describe('optimistic core: rolling back A never undoes B', () => {
  it('on every rollback of a random run, each field is decided by the newest remaining op writing it', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        const run = new Run(scenario, expectRollbacksIndependent)
        for (const cmd of scenario.cmds) run.exec(cmd)
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it('edit A, edit B made after it, roll A back (by hand, NACK or spent retries): B stays, A is gone', () => {
    fc.assert(
      fc.property(abArb, ({ strategy, before, a, between, b, after, how }) => {
        const run = new Run({ strategy, keys: 2 }, expectRollbacksIndependent)
        for (const cmd of before) run.exec(cmd)
        run.exec({ t: 'edit', key: 0, field: a.field, v: a.v })
        const opA = run.created.at(-1)!.opId
        for (const cmd of between) run.exec(cmd)
        run.exec({ t: 'edit', key: 0, field: b.field, v: b.v })
        const opB = run.created.at(-1)!.opId
        for (const cmd of after) run.exec(cmd)
        const pending = (id: string) => run.pendingOps().some((op) => op.opId === id)
        if (!pending(opA)) return // settled (or dropped by a conflict) on the way: nothing to roll back
        const ref = { opId: opA, collection: 'widgets', key: 'w-1' }
        const cmd = { t: 'rollback' as const, pick: 0 }
        if (how === 'manual') run.dispatch(cmd, run.rt.actions.rollback(opA))
        // A NACK of a delivery made before a kept conflict sends A again: NACK that one too.
        for (let i = 0; how !== 'manual' && i < 8 && pending(opA); i++) {
          if (run.pendingOps().find((op) => op.opId === opA)!.status === 'queued') run.dispatch(cmd, run.rt.actions.opsSent({ ops: [ref], at: 1 }))
          if (how === 'nack') run.dispatch(cmd, run.rt.actions.opNacked({ ...ref, reason: 'invalid', retryable: false, at: 1 }))
          else run.dispatch(cmd, run.rt.actions.opTimedOut({ ...ref, at: 1 }))
        }
        expect(pending(opA)).toBe(false)
        expect(laneOf(run.state, 'w-1').map((op) => op.opId)).not.toContain(opA)
        const code = run.state.optimistic.rollbacks.find((r) => r.opId === opA)?.reason.code
        expect(code).toBe(how === 'manual' ? 'manual' : how === 'nack' ? 'rejected' : 'retries_exhausted')
        const opBAfter = laneOf(run.state, 'w-1').find((op) => op.opId === opB)
        if (opBAfter && !opBAfter.protectedFields?.includes(b.field)) {
          const newest = [...laneOf(run.state, 'w-1')].reverse().find((op) => FIELD_OF[op.mutation as keyof typeof FIELD_OF] === b.field)
          if (newest?.opId === opB) {
            expect((entityOf(run.state, 'w-1')!.view as Record<string, unknown>)[b.field], `B (${opB}) still shows`).toEqual((opBAfter.args as Record<string, unknown>)[b.field])
          }
        }
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)
})
