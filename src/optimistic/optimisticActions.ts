import { createAction } from '@reduxjs/toolkit'
import type { CoalescedUpdate } from '../collections/types'
import type { RealtimeError } from '../world/serializeError'

/** Identifies one pending op: where it lives and which it is. */
export interface OpRef {
  opId: string
  collection: string
  key: string
}

/** One delivery of an op: the op, and its number (`attempt` n is the op's n-th delivery). */
export interface OpDelivery extends OpRef {
  attempt: number
}

/** Payload of a mutation action: the op to create. */
export interface MutationPayload<Args = unknown> {
  opId: string
  collection: string
  key: string
  args: Args
  createdAt: number
}

/**
 * The optimistic and collection actions of one instance (`<reducerPath>/optimistic/*`,
 * `<reducerPath>/collections/*`). Mutation actions are made per mutation by `createRealtime`.
 */
export function createOptimisticActions(reducerPath: string, now: () => number) {
  const o = `${reducerPath}/optimistic`
  return {
    /** Ops handed to the transport (the socket, or `outbound.onUpdate`): each one's next delivery. */
    opsSent: createAction<{ ops: OpRef[]; at: number }>(`${o}/opsSent`),
    /**
     * The server's ACK, checked against its op: `version` the entity's version after it, `value`
     * (the whole entity, null when deleted) when it sent one, `attempt` when it echoed the delivery.
     */
    opAcked: createAction<OpRef & { attempt?: number; version: number; value?: unknown; hasValue: boolean; at: number }>(`${o}/opAcked`),
    /**
     * The server's NACK; `attempt` when it echoed the delivery it answers. `random` (in [0, 1),
     * from the injected `random`) spreads the retry's backoff, so the reducer stays pure.
     */
    opNacked: createAction<OpRef & { attempt?: number; reason: string; retryable: boolean; random?: number; at: number }>(`${o}/opNacked`),
    /**
     * The transport lost the deliveries on the wire (the socket closed): they go out again on the
     * next socket. Put by the delivery saga; with `outbound.onUpdate` a socket close loses nothing.
     */
    deliveriesLost: createAction<{ reason: string; at: number }>(`${o}/deliveriesLost`),
    /** Delivery `attempt` of an op got no answer within `optimistic.TIMEOUT`. */
    opTimedOut: createAction<OpDelivery & { random?: number; at: number }>(`${o}/opTimedOut`),
    /**
     * Confirm an op by hand (mutations with `transport: 'manual'`, or anyone who learned of it
     * elsewhere). With `value`/`version` the confirmed entity becomes the server's; without, the op
     * is applied to the confirmed value.
     */
    confirm: createAction(`${o}/confirm`, (opId: string, server: { version?: number; value?: unknown } = {}) => ({
      payload: { opId, ...server, hasValue: Object.hasOwn(server, 'value'), at: now() } as {
        opId: string
        version?: number
        value?: unknown
        hasValue: boolean
        at: number
      },
    })),
    /** Roll an op back by hand; its effect leaves the view, later ops stay. */
    rollback: createAction(`${o}/rollback`, (opId: string, message = 'rolled back by the user') => ({
      payload: { opId, message, at: now() },
    })),
    /**
     * Drop an op from the outbox (and from storage): it is rolled back with reason `discarded`. One
     * on the wire waits in `doubt` for its answer, as with `rollback`.
     */
    discard: createAction(`${o}/discard`, (opId: string, message = 'discarded by the user') => ({
      payload: { opId, message, at: now() },
    })),
    /** Send a queued op now instead of waiting out its retry backoff. */
    retryNow: createAction(`${o}/retryNow`, (opId: string) => ({ payload: { opId } })),
    /** Stop sending ops (e.g. while an auth token is refreshed); they stay queued and persisted. */
    pause: createAction(`${o}/pause`),
    /** Send again after `pause()`. */
    resume: createAction(`${o}/resume`),
    /** A mutation was refused before it became an op: `MAX_PENDING` or `MAX_OUTBOX_SIZE` ops pending. */
    mutationRefused: createAction<{ mutation: string; args: unknown; error: RealtimeError }>(`${o}/mutationRefused`),
    conflictsCleared: createAction(`${o}/conflictsCleared`),
    rollbacksCleared: createAction(`${o}/rollbacksCleared`),
    /** One batch of inbound entity updates, coalesced per key: applied in one pass. */
    entitiesUpdated: createAction<{ updates: CoalescedUpdate[]; at: number; received?: number }>(`${reducerPath}/collections/entitiesUpdated`),
  }
}

/** The action creators of the optimistic and collections sub-slices. */
export type OptimisticActions = ReturnType<typeof createOptimisticActions>
