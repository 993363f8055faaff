import { createAction, type MiddlewareAPI, type UnknownAction } from '@reduxjs/toolkit'
import type { ConnectionActions } from '../connection/connectionSlice'
import type { ConnectionState } from '../connection/types'
import { failPendingRequests } from '../connection/failPendingRequests'
import type { RealtimeError } from '../world/serializeError'

/** The `dispose()` action creator: `<reducerPath>/dispose`. */
export function createDisposeAction(reducerPath: string) {
  return createAction(`${reducerPath}/dispose`)
}

/** The rejection of a request that a disposed store can never answer. */
export function disposedError(): RealtimeError {
  return {
    name: 'DisposedError',
    code: 'DISPOSED',
    message: 'rtk-realtime: the store was disposed (realtime.actions.dispose()); create a new store to connect again',
  }
}

/**
 * What `dispose()` puts in state before the package's effects stop, as plain actions the reducers
 * and DevTools see: a `requestFailed` (`DISPOSED`) for every request still waiting, so no promise
 * is left hanging, then a `disconnect()` (the socket closes cleanly, the status is `closed`). The
 * requests fail first: after `disconnect()` they would fail as `DISCONNECTED`, which is not why.
 */
export function buildDisposeSteps(actions: ConnectionActions, selectConnection: (state: unknown) => ConnectionState) {
  return (api: MiddlewareAPI): void => {
    failPendingRequests(api, actions, selectConnection, disposedError)
    api.dispatch(actions.disconnect())
  }
}

/** True for the action `realtime.request()` makes. */
export function isRequestAction(action: UnknownAction): boolean {
  return (action as { meta?: { realtimeRequest?: unknown } }).meta?.realtimeRequest === true
}
