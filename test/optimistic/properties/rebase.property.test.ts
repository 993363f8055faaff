/**
 * Invariant 1 (rebase) after every step, and invariant 0 (convergence) once everything settled,
 * over random interleavings of edits, sends, ACKs (with and without a value, echoing the delivery
 * or not), NACKs (of the latest delivery or an older one), timeouts, remote changes, replays,
 * manual confirms/rollbacks and socket closes (`deliveriesLost`), for every conflict strategy.
 * Once settled, every rollback record still in the list is true against the server, and no answer
 * of the server was unmatched (late duplicates of confirmed ops are recognized and ignored).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectEntitiesMatchModel, expectLanesWellFormed, expectOpsMatchModel, expectRebased, expectRollbacksTrue } from './checks'
import { KNOWN_COUNTEREXAMPLES } from './counterexamples'
import { RUNS, TIMEOUT, entityOf, lateScenarioArb, rawIndex, runScenario, scenarioArb, wireScenarioArb, type Run } from './harness'

/** Invariant 0 once settled: nothing pending, the op index empty, every view the server's, every op applied at most once, every record true. */
function expectConverged(run: Run): void {
  expect(run.state.optimistic.count).toBe(0)
  expect(rawIndex(run.state).buckets, 'the op index is empty').toBe(0)
  for (const key of run.keys) {
    const server = run.server.entities[key]!
    expect(entityOf(run.state, key), `entity ${key} after settling`).toEqual({ confirmed: server.value, version: server.version, view: server.value })
  }
  for (const [opId, n] of run.server.applyCount) expect(n, `${opId} applied once`).toBe(1)
  expectRollbacksTrue(run)
  // Every answer of the server named an op the package still knew (pending, in doubt, rolled back,
  // or recently confirmed): none would be reported as an `unmatched_answer`.
  expect(run.unmatched, 'answers the middleware would report as unmatched').toBe(0)
}

describe('optimistic core: rebase and convergence (reference model)', () => {
  it('after every step, every view = pending ops (lane order) applied to confirmed = the model view', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        runScenario(scenario, ({ after, run }) => {
          expectRebased(after, run.keys)
          expectEntitiesMatchModel(run)
        })
      }),
      { numRuns: RUNS, examples: KNOWN_COUNTEREXAMPLES.map((s) => [s]) },
    )
  }, TIMEOUT)

  it('after every step, the package agrees with the model on lanes (doubt included), count, the op index, rollbacks and conflicts', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        runScenario(scenario, ({ run }) => {
          expectLanesWellFormed(run.state, run.keys)
          expectOpsMatchModel(run)
        })
      }),
      { numRuns: RUNS, examples: KNOWN_COUNTEREXAMPLES.map((s) => [s]) },
    )
  }, TIMEOUT)

  it('on one key with its deliveries on the wire (doubt, stale deliveries, older answers, closes): the package agrees with the model after every step', () => {
    fc.assert(
      fc.property(wireScenarioArb(), (scenario) => {
        runScenario(scenario, ({ after, run }) => {
          expectRebased(after, run.keys)
          expectLanesWellFormed(after, run.keys)
          expectEntitiesMatchModel(run)
          expectOpsMatchModel(run)
        })
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it('converges: once every op is settled and every server message delivered, every view is the server value and every rollback record is true', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => expectConverged(runScenario(scenario, undefined, { settle: true }))),
      { numRuns: RUNS, examples: KNOWN_COUNTEREXAMPLES.map((s) => [s]) },
    )
  }, TIMEOUT)

  it('answers that come after their op was rolled back (by hand on the wire, given up, refused): the package agrees with the model after every step, and converges', () => {
    fc.assert(
      fc.property(lateScenarioArb(), (scenario) => {
        const run = runScenario(scenario, ({ after, run }) => {
          expectRebased(after, run.keys)
          expectLanesWellFormed(after, run.keys)
          expectEntitiesMatchModel(run)
          expectOpsMatchModel(run)
        }, { settle: true })
        expectConverged(run)
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it('converges on one key with its deliveries on the wire too, with true rollback records', () => {
    fc.assert(
      fc.property(wireScenarioArb(), (scenario) => expectConverged(runScenario(scenario, undefined, { settle: true }))),
      { numRuns: RUNS },
    )
  }, TIMEOUT)
})
