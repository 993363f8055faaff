/**
 * The counterexamples the properties found, pinned as plain tests (and as `examples` of the
 * properties, see ./counterexamples.ts) so a regression fails every run, not one in a few hundred.
 */
import { describe, expect, it } from 'vitest'
import { Run, laneOf } from './harness'

const ref = { opId: 'op1', collection: 'widgets', key: 'w-1' }

describe('optimistic core: regressions found by the properties', () => {
  it('a retryable NACK after the last allowed delivery rolls back with `retries_exhausted`, like a timeout', () => {
    for (const last of ['nack', 'timeout'] as const) {
      const run = new Run({ strategy: 'REMOTE_WINS', keys: 2 })
      run.exec({ t: 'edit', key: 0, field: 'value', v: 5 })
      const { actions } = run.rt
      for (let delivery = 1; delivery <= 4; delivery++) {
        run.dispatch({ t: 'seed' }, actions.opsSent({ ops: [ref], at: delivery }))
        if (delivery < 4 || last === 'timeout') run.dispatch({ t: 'seed' }, actions.opTimedOut({ ...ref, at: delivery }))
        else run.dispatch({ t: 'seed' }, actions.opNacked({ ...ref, reason: 'busy', retryable: true, at: delivery }))
      }
      expect(laneOf(run.state, 'w-1')).toEqual([])
      // README, "The life of an op" 4: "... until it has been delivered 1 + MAX_RETRIES times (4);
      // after that -> reason retries_exhausted (with the server's reason when the last answer was a
      // NACK)". Was { code: 'rejected', serverReason: 'busy' } before 8640fa3.
      expect(run.state.optimistic.rollbacks.map((r) => [r.reason.code, r.reason.serverReason]), `last answer: ${last}`).toEqual([
        ['retries_exhausted', last === 'nack' ? 'busy' : undefined],
      ])
    }
  })

  it('an op confirmed by a stale broadcast moves the ops after it onto the held version, as an ACK does', () => {
    const baseVersions = (by: 'ack' | 'broadcast') => {
      const run = new Run({ strategy: 'REMOTE_WINS', keys: 2 })
      for (let i = 0; i < 3; i++) run.exec({ t: 'edit', key: 0, field: 'value', v: i }) // op1, op2, op3 on v1
      const { actions } = run.rt
      const value = { id: 'w-1', value: 0, title: 'a' }
      run.dispatch({ t: 'seed' }, actions.opsSent({ ops: [ref], at: 1 }))
      run.dispatch({ t: 'seed' }, actions.confirm('op3', { version: 3, value: { ...value, value: 2 } })) // held: v3
      // op1's effect, v2, arrives late:
      if (by === 'ack') run.dispatch({ t: 'seed' }, actions.opAcked({ ...ref, version: 2, value, hasValue: true, at: 2 }))
      else run.dispatch({ t: 'seed' }, run.updatesAction([{ key: 'w-1', version: 2, value, opId: 'op1', opIds: ['op1'] }]))
      return laneOf(run.state, 'w-1').map((op) => [op.opId, op.baseVersion])
    }
    expect(baseVersions('ack')).toEqual([['op2', 3]])
    // Was [['op2', 1]] before 8640fa3: op2 was then sent with baseVersion 1 although the client held v3.
    expect(baseVersions('broadcast')).toEqual([['op2', 3]])
  })
})
