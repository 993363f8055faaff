import type { MiddlewareAPI } from '@reduxjs/toolkit'
import type { MiddlewareHandlerBuilder } from '../middleware/middlewareHandler'
import type { RealtimeError } from '../world/serializeError'
import type { ConnectionActions } from './connectionSlice'
import type { ConnectionState } from './types'

/** The error a pending request fails with, given its message type and id. */
export type PendingRequestError = (type: string, requestId: string) => RealtimeError

/**
 * Fails every request still waiting (sent or buffered) at once with a `requestFailed` each, so
 * no promise waits out its timeout for a reply that cannot come: its deadline timer is cleared as
 * the request settles. `disconnect()` and `dispose()` both end requests this way.
 */
export function failPendingRequests(
  api: MiddlewareAPI,
  actions: ConnectionActions,
  selectConnection: (rootState: unknown) => ConnectionState,
  error: PendingRequestError,
): void {
  const { requests } = selectConnection(api.getState())
  for (const requestId of Object.keys(requests)) {
    api.dispatch(actions.requestFailed({ requestId, error: error(requests[requestId]!.type, requestId) }))
  }
}

/** Why a request failed when `disconnect()` came before its reply. */
function disconnectedError(type: string, requestId: string): RealtimeError {
  return {
    name: 'DisconnectedError',
    code: 'DISCONNECTED',
    message: `rtk-realtime: request "${type}" (${requestId}) failed: disconnect() came before its reply`,
  }
}

/**
 * After `disconnect()`: the requests still waiting fail with `DISCONNECTED` (no reconnect follows
 * until `connect()`, so no reply can come), instead of holding their callers (and a Node process,
 * through their timers) until `request()`'s timeout.
 */
export const buildDisconnectedRequests =
  (actions: ConnectionActions, selectConnection: (rootState: unknown) => ConnectionState): MiddlewareHandlerBuilder =>
  () => ({
    types: [actions.disconnect.type],
    after(_action, api) {
      failPendingRequests(api, actions, selectConnection, disconnectedError)
    },
  })
