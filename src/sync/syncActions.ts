import { createAction } from '@reduxjs/toolkit'
import type { RealtimeError } from '../world/serializeError'
import type { StaleReason, SyncReason, SyncResult } from './types'

/**
 * The sync actions of one instance (`<reducerPath>/sync/*`). `collections` are the declared names,
 * in declaration order: `refreshWidget(key)` refreshes an entity of the first one by default.
 */
export function createSyncActions(reducerPath: string, collections: readonly string[], now: () => number) {
  const s = `${reducerPath}/sync`
  return {
    /** Sync every collection now (reason `manual`); each is marked stale until its sync succeeds. */
    refresh: createAction(`${s}/refresh`, () => ({ payload: { at: now() } })),
    /**
     * Mark one entity stale and sync its collection now (reason `manual`).
     * @param collection @default the first declared collection
     * @throws {TypeError} for an empty key or a collection that is not declared.
     */
    refreshWidget: createAction(`${s}/refreshWidget`, (key: string, collection: string | undefined = collections[0]) => {
      if (typeof key !== 'string' || key === '') {
        throw new TypeError(`rtk-realtime: realtime.actions.refreshWidget(key): key must be a non-empty string, got ${JSON.stringify(key) ?? String(key)}`)
      }
      if (collection === undefined || !collections.includes(collection)) {
        throw new TypeError(
          `rtk-realtime: realtime.actions.refreshWidget("${key}", collection): ${collection === undefined ? 'no collection is declared' : `no collection "${collection}"`}; declare it in createRealtime({ collections })`,
        )
      }
      return { payload: { collection, key, at: now() } }
    }),
    /** A sync of `collections` started (a SYNC request, or their `load`). */
    syncStarted: createAction<{ collections: string[]; reason: SyncReason; at: number }>(`${s}/syncStarted`),
    /** A SYNC reply or a `load` result, parsed: applied by the data reducer like live updates. */
    syncSucceeded: createAction<SyncResult>(`${s}/syncSucceeded`),
    /** A sync of `collections` failed (a NACK/ERROR reply, no reply in time, the socket closed, `load` threw); retried later. */
    syncFailed: createAction<{ collections: string[]; error: RealtimeError; reason: SyncReason; at: number }>(`${s}/syncFailed`),
    /** The data of `collections` may be missing changes; a sync follows. */
    staleMarked: createAction<{ collections: string[]; reason: StaleReason; at: number }>(`${s}/staleMarked`),
  }
}

/** The action creators of the sync sub-slice. */
export type SyncActions = ReturnType<typeof createSyncActions>
