/** The counterexamples fast-check found (shrunk), replayed first by the property that found them. */
import type { Scenario } from './harness'

export const KNOWN_COUNTEREXAMPLES: Scenario[] = [
  // A retryable NACK of the 4th (last allowed) delivery: the README says `retries_exhausted`.
  { strategy: 'REMOTE_WINS', keys: 2, cmds: [{ t: 'edit', key: 0, field: 'value', v: 0 }, { t: 'flaky', key: 0, times: 3 }, { t: 'send', key: 0, outcome: 'nackRetry' }, { t: 'deliver', pick: 0, count: 1 }] },
  // A stale broadcast confirms op1: op2 after it must stand on the held version (as after an ACK).
  {
    strategy: 'REMOTE_WINS',
    keys: 2,
    cmds: [
      { t: 'edit', key: 0, field: 'value', v: 0 },
      { t: 'edit', key: 0, field: 'value', v: 0 },
      { t: 'edit', key: 0, field: 'value', v: 0 },
      { t: 'send', key: 0, outcome: 'apply' },
      { t: 'confirm', pick: 2, withValue: true },
      { t: 'deliver', pick: 0, count: 1 },
    ],
  },
]
