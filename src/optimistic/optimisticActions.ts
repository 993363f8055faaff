import { createAction } from '@reduxjs/toolkit'
import type { CoalescedUpdate } from '../collections/types'
import type { RealtimeError } from '../world/serializeError'

/** Identifies one pending op: where it lives and which it is. */
export interface OpRef {
  opId: string
  collection: string
  key: string
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
    /** Ops written to the socket. */
    opsSent: createAction<{ ops: OpRef[]; at: number }>(`${o}/opsSent`),
    /** The server's ACK: `value` (the whole entity, null when deleted) when it sent one. */
    opAcked: createAction<OpRef & { version?: number; value?: unknown; hasValue: boolean; at: number }>(`${o}/opAcked`),
    /** The server's NACK. */
    opNacked: createAction<OpRef & { reason: string; retryable: boolean; at: number }>(`${o}/opNacked`),
    /** A sent op got no answer within `optimistic.TIMEOUT` while connected. */
    opTimedOut: createAction<OpRef & { at: number }>(`${o}/opTimedOut`),
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
        /** Filled in by the middleware from the op's mutation action. */
        collection?: string
        key?: string
      },
    })),
    /** Roll an op back by hand; its effect leaves the view, later ops stay. */
    rollback: createAction(`${o}/rollback`, (opId: string, message = 'rolled back by the user') => ({
      payload: { opId, message, at: now() } as { opId: string; message: string; at: number; collection?: string; key?: string },
    })),
    /** A mutation was refused before it became an op (too many pending ops, its apply threw). */
    mutationRefused: createAction<{ mutation: string; args: unknown; error: RealtimeError }>(`${o}/mutationRefused`),
    conflictsCleared: createAction(`${o}/conflictsCleared`),
    rollbacksCleared: createAction(`${o}/rollbacksCleared`),
    /** One batch of inbound entity updates, coalesced per key: applied in one pass. */
    entitiesUpdated: createAction<{ updates: CoalescedUpdate[]; at: number; received?: number }>(`${reducerPath}/collections/entitiesUpdated`),
  }
}

/** The action creators of the optimistic and collections sub-slices. */
export type OptimisticActions = ReturnType<typeof createOptimisticActions>
