import type { Reducer, UnknownAction } from '@reduxjs/toolkit'
import type { ConnectionState } from './connection/types'
import type { CollectionsState } from './collections/types'
import type { DataState } from './optimistic/dataTransaction'
import type { OptimisticState } from './optimistic/types'
import type { SyncState } from './sync/types'

/** The state under `reducerPath`. */
export interface RealtimeState {
  connection: ConnectionState
  collections: CollectionsState
  optimistic: OptimisticState
  sync: SyncState
}

/**
 * The one reducer of the package: the connection slice beside the data reducer, which owns
 * `collections` and `optimistic` together because an op changes both, and the sync slice. Returns
 * the same state object when nothing changed, so subscribers with selectors see no change.
 */
export function createRealtimeReducer(
  connectionReducer: Reducer<ConnectionState>,
  dataReducer: (state: DataState | undefined, action: UnknownAction) => DataState,
  syncReducer: (state: SyncState | undefined, action: UnknownAction) => SyncState,
): Reducer<RealtimeState> {
  return (state, action) => {
    const connection = connectionReducer(state?.connection, action)
    // The whole state is a DataState too; passing it avoids an object per action (per inbound frame).
    const data = dataReducer(state, action)
    const sync = syncReducer(state?.sync, action)
    if (state && connection === state.connection && data.collections === state.collections && data.optimistic === state.optimistic && sync === state.sync) {
      return state
    }
    return { connection, collections: data.collections, optimistic: data.optimistic, sync }
  }
}
