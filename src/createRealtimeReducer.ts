import type { Reducer, UnknownAction } from '@reduxjs/toolkit'
import type { ConnectionState } from './connection/types'
import type { CollectionsState } from './collections/types'
import type { DataState } from './optimistic/dataTransaction'
import type { OptimisticState } from './optimistic/types'
import type { OutboxState } from './outbox/outboxSlice'
import type { SyncState } from './sync/types'

/** The state under `reducerPath`. */
export interface RealtimeState {
  connection: ConnectionState
  collections: CollectionsState
  optimistic: OptimisticState
  /** The persisted outbox: where it is stored, whether its ops are back, storage failures. */
  outbox: OutboxState
  sync: SyncState
}

/** The data reducer, and how to unload every op (another namespace's outbox was opened). */
export interface DataReducer {
  (state: DataState | undefined, action: UnknownAction): DataState
  unloadOps(state: DataState): DataState
}

/**
 * The one reducer of the package: the connection slice, the outbox and the sync slice beside the
 * data reducer, which owns `collections` and `optimistic` together because an op changes both.
 * Returns the same state object when nothing changed, so subscribers with selectors see no change.
 */
export function createRealtimeReducer(
  connectionReducer: Reducer<ConnectionState>,
  dataReducer: DataReducer,
  outboxReducer: Reducer<OutboxState>,
  syncReducer: (state: SyncState | undefined, action: UnknownAction) => SyncState,
): Reducer<RealtimeState> {
  return (state, action) => {
    const connection = connectionReducer(state?.connection, action)
    const outbox = outboxReducer(state?.outbox, action)
    // The whole state is a DataState too; passing it avoids an object per action (per inbound frame).
    let data = dataReducer(state, action)
    // Another user's outbox: this one's ops leave the state (they stay persisted under their namespace).
    if (state && outbox.namespace !== state.outbox.namespace) data = dataReducer.unloadOps(data)
    const sync = syncReducer(state?.sync, action)
    if (
      state && connection === state.connection && outbox === state.outbox && sync === state.sync &&
      data.collections === state.collections && data.optimistic === state.optimistic
    ) {
      return state
    }
    return { connection, collections: data.collections, optimistic: data.optimistic, outbox, sync }
  }
}
