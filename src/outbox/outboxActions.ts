import { createAction } from '@reduxjs/toolkit'
import type { Op } from '../optimistic/types'
import type { RealtimeError } from '../world/serializeError'

/** The confirmed entity an op was made on, as persisted beside it: a reload shows the same view offline. */
export interface PersistedBase {
  collection: string
  key: string
  confirmed: unknown
  version: number
}

/** A persisted record that could not be read: moved to the set-aside namespace, never deleted. */
export interface SetAsideRecord {
  /** Its key in storage (the opId it was written under). */
  key: string
  reason: string
  at: number
}

/** The outbox's actions (`<reducerPath>/outbox/*`). */
export function createOutboxActions(reducerPath: string, now: () => number) {
  const o = `${reducerPath}/outbox`
  return {
    /**
     * Use the persisted outbox of `namespace` (a user or tenant id): the ops of the previous
     * namespace leave the state (they stay persisted under it, and come back when it is opened
     * again), and the new one's ops are rehydrated and replayed. The package opens
     * `outbox.namespace` on start.
     */
    openOutbox: createAction(`${o}/openOutbox`, (namespace: string) => {
      if (typeof namespace !== 'string' || namespace === '') {
        throw new TypeError(`rtk-realtime: realtime.actions.openOutbox(namespace): namespace must be a non-empty string (a user or tenant id), got ${JSON.stringify(namespace)}`)
      }
      return { payload: { namespace } }
    }),
    /**
     * Logout: every op leaves the state and the persisted outbox of the current namespace is
     * emptied (conflicts and rollbacks are forgotten too). Nothing is sent for them any more.
     */
    clearOutbox: createAction(`${o}/clearOutbox`),
    /**
     * Persisted ops were read back: they are put in front of their lanes (they are older than any op
     * made since the start), their views re-applied, and they are replayed with their opIds.
     */
    outboxRehydrated: createAction<{
      namespace: string
      ops: Op[]
      bases: PersistedBase[]
      setAside: SetAsideRecord[]
      error?: RealtimeError
      at: number
    }>(`${o}/outboxRehydrated`),
    /** A storage read or write failed; the ops in memory are untouched and still delivered. */
    storageFailed: createAction<{ error: RealtimeError; opId?: string; at: number }>(`${o}/storageFailed`),
    /** A write succeeded after failures: what could not be written then has been written now. */
    storageRecovered: createAction(`${o}/storageRecovered`, () => ({ payload: { at: now() } })),
  }
}

/** The outbox's action creators. */
export type OutboxActions = ReturnType<typeof createOutboxActions>
