import type { Buckets } from '../collections/buckets'
import type { RealtimeError } from '../world/serializeError'

/**
 * Where an op is in its delivery: `queued` waits its turn in its key's lane (or for the socket),
 * `sent` is on the wire and waits for its ACK, `manual` belongs to a mutation whose user sends it
 * over their own transport and confirms it with `confirm(opId)`.
 */
export type OpStatus = 'queued' | 'sent' | 'manual'

/** One user mutation not yet confirmed by the server: plain data, visible in DevTools. */
export interface Op {
  opId: string
  mutation: string
  collection: string
  key: string
  args: unknown
  /** The entity version the op was made (or last rebased) on. */
  baseVersion: number
  status: OpStatus
  /** Deliveries so far. */
  attempts: number
  createdAt: number
  sentAt?: number
  lastError?: RealtimeError
  /**
   * Set when a conflict kept the op (LOCAL_WINS, MERGE) while a delivery made on the old version
   * was on the wire: that delivery's answer is awaited first (one copy on the wire), and a NACK of
   * it sends the op again against the new version instead of rolling it back.
   */
  staleDelivery?: boolean
  /** A debounced op is not sent before this time (ms since epoch); later calls fold into it until then. */
  notBefore?: number
  /**
   * Fields a MERGE resolution gave to the remote side: the op does not overwrite them in the view.
   */
  protectedFields?: string[]
}

/** Why an op left the state without confirmation. */
export interface RollbackReason {
  code: 'rejected' | 'timeout' | 'retries_exhausted' | 'conflict' | 'manual' | 'discarded'
  message: string
  /** The server's NACK reason, when there was one. */
  serverReason?: string
}

/** The strategies a conflict can be resolved with. */
export type ConflictStrategy = 'REMOTE_WINS' | 'LOCAL_WINS' | 'MERGE'

/** A remote change that collided with pending ops: kept (bounded) so the UI can say so. */
export interface Conflict {
  collection: string
  key: string
  strategy: ConflictStrategy
  /** The pending ops it collided with. */
  opIds: string[]
  /** What the user saw before the remote change landed. */
  local: unknown
  /** The server's new value. */
  remote: unknown
  remoteVersion: number
  /** Top-level fields both sides changed (MERGE; also computed for the others when both are objects). */
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
}

/** The `optimistic` sub-slice. An op's delivery state IS the outbox. */
export interface OptimisticState {
  /**
   * Pending ops by lane (`collection/key`), each lane in creation order, split into buckets by a
   * hash of the lane (`lanes[bucket][lane]`, see `buckets.ts`). Read them with the selectors.
   */
  lanes: Buckets<Op[]>
  /** How many ops are pending in all lanes. */
  count: number
  conflicts: Conflict[]
  rollbacks: Rollback[]
  lastError: RealtimeError | null
}
