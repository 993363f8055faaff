/**
 * Invariant 1 (rebase) after every step, and invariant 0 (convergence) once everything settled,
 * over random interleavings of edits, sends, ACKs, NACKs, timeouts, remote changes, replays,
 * manual confirms/rollbacks and socket closes, for every conflict strategy.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectEntitiesMatchModel, expectOpsMatchModel, expectRebased } from './checks'
import { KNOWN_COUNTEREXAMPLES } from './counterexamples'
import { RUNS, TIMEOUT, entityOf, runScenario, scenarioArb } from './harness'


describe('optimistic core: rebase and convergence (reference model)', () => {
  it('after every step, every view = pending ops (lane order) applied to confirmed = the model view', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        runScenario(scenario, ({ after, run }) => {
          expectRebased(after, run.keys)
          expectEntitiesMatchModel(run)
        })
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)

  it('after every step, the package agrees with the model on lanes, count, rollbacks and conflicts', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        runScenario(scenario, ({ run }) => expectOpsMatchModel(run))
      }),
      { numRuns: RUNS, examples: KNOWN_COUNTEREXAMPLES.map((s) => [s]) },
    )
  }, TIMEOUT)

  it('converges: once every op is settled and every server message delivered, every view is the server value', () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        const run = runScenario(scenario, undefined, { settle: true })
        expect(run.state.optimistic.count).toBe(0)
        for (const key of run.keys) {
          const server = run.server.entities[key]!
          expect(entityOf(run.state, key), `entity ${key} after settling`).toEqual({ confirmed: server.value, version: server.version, view: server.value })
        }
        for (const [opId, n] of run.server.applyCount) expect(n, `${opId} applied once`).toBe(1)
      }),
      { numRuns: RUNS },
    )
  }, TIMEOUT)
})
