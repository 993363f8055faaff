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
  const known = new Set(before.optimistic.rollbacks.map((r) => r.opId))
  const gone = after.optimistic.rollbacks.filter((r) => !known.has(r.opId))
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

  it('edit A, edit B made after it, roll A back (by hand, NACK or spent retries): B stays, A is no longer pending', () => {
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
        const opOf = (id: string) => run.pendingOps().find((op) => op.opId === id)
        // Settled (or dropped by a conflict) on the way: nothing to roll back. An acked op was
        // applied: no NACK or timeout of it counts any more.
        if (!pending(opA) || (how !== 'manual' && opOf(opA)!.status === 'acked')) return
        const ref = { opId: opA, collection: 'widgets', key: 'w-1' }
        const cmd = { t: 'rollback' as const, pick: 0 }
        const wasSent = opOf(opA)!.status === 'sent'
        let stale = false
        let unanswered = !!opOf(opA)!.earlierUnanswered
        let requeuedProtected = false
        if (how === 'manual') run.dispatch(cmd, run.rt.actions.rollback(opA))
        // A NACK of a delivery made before a kept conflict sends A again: NACK that one too.
        for (let i = 0; how !== 'manual' && i < 8 && pending(opA); i++) {
          if (opOf(opA)!.status === 'queued') run.dispatch(cmd, run.rt.actions.opsSent({ ops: [ref], at: 1 }))
          const { attempts, staleDelivery, protectedFields } = opOf(opA)!
          stale ||= !!staleDelivery
          // A re-queued op a MERGE kept is rolled back there if it changes nothing in the view.
          requeuedProtected ||= !!protectedFields?.length && (how === 'timeouts' || !!staleDelivery)
          if (how === 'nack') run.dispatch(cmd, run.rt.actions.opNacked({ ...ref, attempt: attempts, reason: 'invalid', retryable: false, at: 1 }))
          else run.dispatch(cmd, run.rt.actions.opTimedOut({ ...ref, attempt: attempts, at: 1 }))
          unanswered ||= how === 'timeouts'
        }
        expect(pending(opA)).toBe(false)
        const reason = run.state.optimistic.rollbacks.find((r) => r.opId === opA)?.reason
        const got = { code: reason?.code, serverReason: reason?.serverReason, inDoubt: !!reason?.inDoubt }
        const mergedAway = requeuedProtected && got.code === 'conflict'
        if (how === 'manual' && wasSent) {
          // "An op whose delivery is on the wire cannot be taken back": it holds its lane, in doubt.
          expect(run.laneOps().filter((op) => op.opId === opA).map((op) => op.status), 'A holds its lane in doubt').toEqual(['doubt'])
        } else expect(run.laneOps().map((op) => op.opId), 'A is gone from its lane').not.toContain(opA)
        // Every record of an op a delivery of which went unanswered is in doubt.
        if (how === 'manual') expect(got, 'by hand').toEqual({ code: 'manual', serverReason: undefined, inDoubt: unanswered })
        else if (mergedAway) expect(got, 'merged away when re-queued').toEqual({ code: 'conflict', serverReason: undefined, inDoubt: unanswered })
        else if (how === 'timeouts') expect(got, 'no answer to the last delivery: in doubt').toEqual({ code: 'retries_exhausted', serverReason: undefined, inDoubt: true })
        else expect(got).toEqual({ code: stale && got.code === 'retries_exhausted' ? 'retries_exhausted' : 'rejected', serverReason: 'invalid', inDoubt: unanswered })
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
