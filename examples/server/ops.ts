/**
 * Answering ops: client messages with an id that get an ACK or a NACK (everything that is not PING,
 * CONTROL or a request). Every delivery is answered, echoing its `attempt` when the client numbers
 * deliveries; an op is applied at most once per id (a replay
 * gets the stored ACK); the fault knobs decide refusals; and the change an op causes is broadcast
 * only after its ACK was handed to the sender's socket.
 */
import type { WebSocket } from 'ws'
import type { AnsweredIds } from './answeredIds'
import type { FaultyReplier } from './faults'
import { NACK_ALL_REASON, NACK_RETRYABLE_REASON, ackFrame, answering, nackFrame, reasonOf } from './protocol'
import type { IdentifiedMessage, ServerFaults } from './types'

/** Thrown while applying an op to NACK it with this reason and retryability. */
export class OpRejection extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message)
    this.name = 'OpRejection'
  }
}

/** What applying an op produced: the ACK's data, and what to do once the ACK is out (a broadcast). */
export interface OpOutcome {
  readonly data: unknown
  readonly after?: () => void
}

/** What {@link answerOp} needs. */
export interface OpDeps {
  readonly faults: ServerFaults
  readonly answered: AnsweredIds
  readonly replier: FaultyReplier
  /** Told once per op whose effect was applied (not for replays or refusals): the accounting. */
  readonly onApplied?: (opId: string) => void
}

/**
 * The refusal the knobs impose on an op not applied yet, if any: `nackAll` (non-retryable), then
 * `nackRetryable` (retryable), then `rejectIf` (non-retryable; a throw from it is a refusal too).
 */
export function refusalOf(faults: ServerFaults, op: IdentifiedMessage): { reason: string; retryable: boolean } | undefined {
  if (faults.nackAll) return { reason: NACK_ALL_REASON, retryable: false }
  if (faults.nackRetryable) return { reason: NACK_RETRYABLE_REASON, retryable: true }
  if (faults.rejectIf) {
    try {
      const reason = faults.rejectIf(op)
      if (reason !== undefined) return { reason: String(reason), retryable: false }
    } catch (error) {
      return { reason: reasonOf(error), retryable: false }
    }
  }
  return undefined
}

/**
 * Answers one delivery of `op`. `isReplay` says the id was already applied (its ACK is stored):
 * the stored ACK is sent again and nothing is applied. Otherwise the knobs may refuse it; else
 * `apply` runs once, its ACK is remembered, sent (unless `dropAcks`), and then `after` runs. A
 * throw from `apply` is a NACK (an {@link OpRejection} chooses retryability; anything else is
 * non-retryable) and nothing is remembered, so a later retry can still succeed.
 */
export function answerOp(deps: OpDeps, socket: WebSocket, op: IdentifiedMessage, apply: () => OpOutcome): void {
  const { faults, replier } = deps
  const stored = deps.answered.get(op.id)
  if (stored) {
    if (!faults.dropAcks) replier.reply(socket, answering(stored, op.attempt), 'ack')
    return
  }
  const refusal = refusalOf(faults, op)
  if (refusal) {
    replier.reply(socket, answering(nackFrame(op.id, refusal.reason, refusal.retryable), op.attempt), 'ack')
    return
  }
  let outcome: OpOutcome
  try {
    outcome = apply()
  } catch (error) {
    const retryable = error instanceof OpRejection ? error.retryable : false
    replier.reply(socket, answering(nackFrame(op.id, reasonOf(error), retryable), op.attempt), 'ack')
    return
  }
  const ack = ackFrame(op.id, outcome.data)
  try {
    // Encoded before anything is remembered: an answer that cannot be sent is a NACK, not an op
    // recorded as applied whose ACK then fails on every replay.
    JSON.stringify(ack)
  } catch (error) {
    replier.reply(socket, answering(nackFrame(op.id, `the ACK cannot be encoded (${reasonOf(error)})`, false), op.attempt), 'ack')
    return
  }
  deps.onApplied?.(op.id)
  deps.answered.set(op.id, ack)
  if (faults.dropAcks) {
    outcome.after?.()
  } else {
    replier.reply(socket, answering(ack, op.attempt), 'ack', outcome.after)
  }
}
