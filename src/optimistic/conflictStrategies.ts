import { CONFLICT_RESOLUTIONS } from '../config/optionRules'
import { deepEqual } from '../util/deepEqual'
import type { ConflictResolver } from './defineMutations'
import type { ConflictStrategy, Op } from './types'

/** What a strategy decides from: the lane under the remote change, and that change. */
export interface ConflictInput {
  lane: readonly Op[]
  /** The ops the change collided with (the lane's un-acked ops made on an older version). */
  contenders: ReadonlySet<string>
  remote: unknown
  remoteVersion: number
  /** Top-level fields the remote change changed. */
  remoteChanged: readonly string[]
  /** An op's effect on a value (its mutation's recipe, protected fields kept). */
  apply(value: unknown, op: Op): unknown
}

/**
 * What a strategy decided: the lane that stays, and the ops whose rollback is recorded (with why;
 * an op in `doubt` is in both).
 */
export interface ConflictOutcome {
  lane: Op[]
  dropped: { op: Op; message: string }[]
}

// A copy on the wire stays there until answered (invariant 5): its ACK settles the op.
const keepOnTop = (op: Op, version: number): Op => ({ ...op, baseVersion: version, ...(op.status === 'sent' ? { staleDelivery: true } : {}) })

/**
 * The conflict strategies of DESIGN.md invariant 3, by name. Each takes the lane under a remote
 * change and returns what stays; the caller writes state and records the conflict.
 */
export const CONFLICT_STRATEGIES: Readonly<Record<ConflictStrategy, (input: ConflictInput) => ConflictOutcome>> = {
  /**
   * The remote change wins: the ops are rolled back. One on the wire cannot be taken back: it
   * stays in its lane in `doubt` (out of the view, not pending), holding the lane's turn so no
   * second delivery of the key goes out, until the server's answer tells whether its rollback
   * record was true.
   */
  REMOTE_WINS({ lane, contenders, remoteVersion }) {
    const outcome: ConflictOutcome = { lane: [], dropped: [] }
    const message = `changed on the server (version ${remoteVersion}); the remote change wins (REMOTE_WINS)`
    for (const op of lane) {
      if (!contenders.has(op.opId)) {
        outcome.lane.push(op)
      } else if (op.status === 'sent') {
        const { staleDelivery: _s, ...inDoubt } = op
        outcome.lane.push({ ...inDoubt, status: 'doubt' })
        outcome.dropped.push({ op, message: `${message}; it was on the wire: if the server applies it after all, this record gets appliedAfterAll` })
      } else {
        outcome.dropped.push({ op, message })
      }
    }
    return outcome
  },

  /** The ops stay on top of the remote value, move to its version and are sent again. */
  LOCAL_WINS({ lane, contenders, remoteVersion }) {
    return { lane: lane.map((op) => (contenders.has(op.opId) ? keepOnTop(op, remoteVersion) : op)), dropped: [] }
  },

  /**
   * Field-level three-way merge: the fields the remote changed are the remote's (they become the
   * ops' protected fields, neither shown nor sent); the ops keep the rest. An op left with nothing
   * to change is dropped rather than sent empty.
   */
  MERGE({ lane, contenders, remote, remoteVersion, remoteChanged, apply }) {
    const outcome: ConflictOutcome = { lane: [], dropped: [] }
    let below = remote
    for (const op of lane) {
      let next = op
      if (op.status === 'doubt') {
        outcome.lane.push(op) // rolled back, out of the view: nothing to merge
        continue
      }
      if (contenders.has(op.opId)) {
        next = keepOnTop(op, remoteVersion)
        if (remoteChanged.length > 0) next.protectedFields = [...new Set([...(op.protectedFields ?? []), ...remoteChanged])]
      }
      const after = apply(below, next)
      if (contenders.has(op.opId) && op.status !== 'sent' && deepEqual(after, below)) {
        outcome.dropped.push({ op, message: `merged away: the remote change (version ${remoteVersion}) took every field it changed (MERGE)` })
        continue
      }
      outcome.lane.push(next)
      below = after
    }
    return outcome
  },
}

/** Runs a user resolver; one that throws or answers something else counts as `REMOTE_WINS`. */
export function resolveStrategy(chosen: ConflictStrategy | ConflictResolver, context: Parameters<ConflictResolver>[0]): ConflictStrategy {
  if (typeof chosen !== 'function') return chosen
  try {
    const strategy = chosen(context)
    return (CONFLICT_RESOLUTIONS as readonly string[]).includes(strategy) ? strategy : 'REMOTE_WINS'
  } catch {
    // A resolver that throws must not stop the update: the server's value wins.
    return 'REMOTE_WINS'
  }
}
