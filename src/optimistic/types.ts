import type { Buckets } from '../util/buckets'
import type { ConflictResolution } from '../config/types'
import type { RealtimeError } from '../world/serializeError'

/**
 * Where an op is in its delivery: `queued` waits its turn in its key's lane (or for the
 * transport), `sent` is on the wire and waits for its answer, `acked` was ACKed without a value at
 * a version the client has not seen yet (it keeps its effect in the view until an entity update of
 * that version arrives, and is never sent again), `manual` belongs to a mutation whose user sends it
 * over their own transport and settles it with `confirm(opId)` or `rollback(opId)`.
 *
 * `doubt`: rolled back by a conflict (REMOTE_WINS) while its delivery was on the wire. It is no
 * longer pending (not counted, not shown, not in the pending selectors; its rollback is recorded)
 * but stays in its lane, holding the lane's turn, until the server's answer says what became of
 * it (ACK: its record gets `appliedAfterAll`; NACK: the record stands) or the answer is lost
 * (timeout, socket closed: the record gets `reason.inDoubt`). It is never sent again.
 */
export type OpStatus = 'queued' | 'sent' | 'acked' | 'manual' | 'doubt'

/** One user mutation not yet confirmed by the server: plain data, visible in DevTools. */
export interface Op {
  opId: string
  mutation: string
  collection: string
  key: string
  args: unknown
  /** The entity version the op was made (or last rebased) on; sent as `data.baseVersion`. */
  baseVersion: number
  status: OpStatus
  /** Deliveries so far; the frame of delivery n carries `attempt: n`. */
  attempts: number
  /**
   * Retries counted against `backgroundSync.MAX_RETRIES`: deliveries refused for now (a retryable
   * NACK) or unanswered in time. A delivery lost with its socket is not counted: a network failure
   * is no verdict on the op.
   */
  retries?: number
  /** A retry waits until then (ms since epoch): the backoff after a refusal or a timeout. */
  retryAt?: number
  createdAt: number
  sentAt?: number
  lastError?: RealtimeError
  /**
   * Its delivery on the wire was made before a remote change it survived (a conflict): that
   * delivery's answer is awaited first, so one copy of a key's ops is on the wire at a time.
   */
  staleDelivery?: boolean
  /**
   * A delivery before the latest got no answer (it timed out, or its socket closed): the server may
   * have applied it, or may yet, so a rollback of this op can only be recorded in doubt
   * (`reason.inDoubt`).
   */
  earlierUnanswered?: boolean
  /** With status `acked`: the version the server said it applied the op at. */
  ackedVersion?: number
  /** A debounced op is not sent before this time (ms since epoch); later calls fold into it until then. */
  notBefore?: number
  /**
   * Fields a MERGE resolution gave to the remote side: the op does not overwrite them in the view,
   * and they are left out of what is sent.
   */
  protectedFields?: string[]
}

/** Where a pending op lives: its entity. */
export interface OpLocation {
  collection: string
  key: string
}

/** Why an op left the state without confirmation. */
export interface RollbackReason {
  /**
   * `rejected`: a NACK with `retryable: false`. `retries_exhausted`: no answer, or retryable NACKs,
   * for `1 + backgroundSync.MAX_RETRIES` deliveries. `conflict`: a remote change won (REMOTE_WINS,
   * or MERGE left the op nothing to change). `manual`: `rollback(opId)`. `discarded`: `discard(opId)`.
   */
  code: 'rejected' | 'retries_exhausted' | 'conflict' | 'manual' | 'discarded'
  message: string
  /** The server's NACK reason, when there was one. */
  serverReason?: string
  /**
   * The last delivery got no answer, so nobody can know whether the server applied it (a timeout,
   * a socket closed under it, or a rollback by hand while it was on the wire). A late ACK or
   * broadcast then sets `appliedAfterAll` on the record.
   */
  inDoubt?: boolean
}

/** The strategies a conflict can be resolved with (`CONFLICT_STRATEGIES` holds them). */
export type ConflictStrategy = ConflictResolution

/** A remote change that collided with pending ops: kept (bounded) so the UI can say so. */
export interface Conflict {
  collection: string
  key: string
  strategy: ConflictStrategy
  /** The pending ops it collided with. */
  opIds: string[]
  /** Those of them whose delivery was on the wire: the server decides their fate. */
  inFlight?: string[]
  /** What the user saw before the remote change landed. */
  local: unknown
  /** The server's new value. */
  remote: unknown
  remoteVersion: number
  /** Top-level fields both sides changed (when both are objects). */
  fields?: string[]
  at: number
}

/** A rollback, remembered (bounded) so the UI can tell the user. */
export interface Rollback {
  opId: string
  mutation: string
  collection: string
  key: string
  args: unknown
  reason: RollbackReason
  at: number
  /** A late ACK, or a broadcast carrying the opId, showed that the server applied it after all. */
  appliedAfterAll?: boolean
}

/** The `optimistic` sub-slice. An op's delivery state IS the outbox. */
export interface OptimisticState {
  /**
   * Pending ops by lane (`collection/key`), each lane in creation order, split into buckets by a
   * hash of the entity key (`lanes[bucket][lane]`, see `buckets.ts`). Read them with the selectors.
   */
  lanes: Buckets<Op[]>
  /**
   * Where each pending op lives (`index[bucket][opId]`, bucketed by a hash of the opId): written in
   * the same reducer step that adds or removes the op, so it always holds exactly the pending ops.
   */
  index: Buckets<OpLocation>
  /** How many ops are pending in all lanes (those in `doubt` are not: they were rolled back). */
  count: number
  conflicts: Conflict[]
  rollbacks: Rollback[]
  /**
   * The ids of the last ops confirmed (oldest first, bounded like the rollbacks): a late or
   * duplicate answer to one of them is recognized and ignored, not reported as unmatched.
   */
  recentlyConfirmed: string[]
  lastError: RealtimeError | null
  /** `pause()` stopped the delivery of ops until `resume()` (answers of ops on the wire still count). */
  paused: boolean
}
