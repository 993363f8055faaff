/** The counterexamples fast-check found (shrunk), replayed first by the properties that use them. */
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
      { t: 'confirm', pick: 2, how: 'value' },
      { t: 'deliver', pick: 0, count: 1 },
    ],
  },
  // Issue 6 (fixed, see regressions.test.ts). An acked op (op1, acked at v3) stayed after op2's
  // confirmation brought v4: it was applied again over op2 in the view.
  {
    strategy: 'REMOTE_WINS',
    keys: 1,
    cmds: [
      { t: 'edit', key: 0, field: 'value', v: 1 },
      { t: 'remote', key: 0, field: 'title', v: 1 },
      { t: 'confirm', pick: 0, how: 'version' },
      { t: 'edit', key: 0, field: 'value', v: 2 },
      { t: 'confirm', pick: 1, how: 'value' },
    ],
  },
  // Issue 6 (fixed). MERGE: a delivery made before the merge is ACKed without a value at held + 1;
  // the client derived the value with the protection added after it: permanent divergence.
  {
    strategy: 'MERGE',
    keys: 1,
    cmds: [
      { t: 'edit', key: 0, field: 'value', v: 0 },
      { t: 'close' },
      { t: 'remote', key: 0, field: 'value', v: 0 },
      { t: 'send', key: 0, outcome: 'apply', echo: false, bare: true },
      { t: 'deliver', pick: 0, count: 2 },
    ],
  },
  // Issue 6 (fixed: `earlierUnanswered`). Rolled back while queued again after an unanswered
  // delivery the server applied: by the resync's conflict (REMOTE_WINS), or by hand; the record was false.
  { strategy: 'REMOTE_WINS', keys: 1, cmds: [{ t: 'edit', key: 0, field: 'value', v: 0 }, { t: 'send', key: 0, outcome: 'apply', echo: false, bare: false }, { t: 'close' }] },
  { strategy: 'REMOTE_WINS', keys: 1, cmds: [{ t: 'edit', key: 0, field: 'value', v: 0 }, { t: 'send', key: 0, outcome: 'apply', echo: false, bare: false }, { t: 'close' }, { t: 'rollback', pick: 0 }] },
  // Round 2 (model): MERGE, an op a merge kept is rolled back by hand while on the wire (doubt),
  // then ACKed without a value at held + 1: "treated the same way whatever the version", it leaves
  // and the broadcast brings the value (applying it could diverge: its delivery may predate the merge).
  {
    strategy: 'MERGE',
    keys: 1,
    cmds: [
      { t: 'remote', key: 0, field: 'value', v: 0 },
      { t: 'edit', key: 0, field: 'title', v: 1 },
      { t: 'deliver', pick: 0, count: 1 },
      { t: 'send', key: 0, outcome: 'apply', echo: false, bare: true },
      { t: 'rollback', pick: 0 },
      { t: 'deliver', pick: 0, count: 2 },
    ],
  },
  // Round 2 (model): one deliveriesLost re-queues two ops a MERGE kept, on two keys: both change
  // nothing any more, so both are merged away there (in doubt), in one action.
  {
    strategy: 'MERGE',
    keys: 2,
    cmds: [
      { t: 'edit', key: 1, field: 'value', v: 0 },
      { t: 'inflight', key: 1, outcome: 'apply', echo: false, bare: false, field: 'value', v: 0 },
      { t: 'edit', key: 0, field: 'value', v: 0 },
      { t: 'send', key: 0, outcome: 'apply', echo: false, bare: false },
      { t: 'race', key: 0, field: 'value', v: 0 },
      { t: 'close' },
    ],
  },
]
