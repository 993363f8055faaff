import type { ConnectionState, ConnectionStatus } from './types'

/** Selectors over the root state for the connection sub-slice of one instance. */
export interface ConnectionSelectors {
  selectConnection(state: unknown): ConnectionState
  selectConnectionStatus(state: unknown): ConnectionStatus
  /** True while the socket is open. */
  selectIsConnected(state: unknown): boolean
  /** Round trip of the last heartbeat, in ms, or null before the first PONG. */
  selectLatency(state: unknown): number | null
}

/** Builds the connection selectors for the slice mounted at `reducerPath`. */
export function createConnectionSelectors(reducerPath: string): ConnectionSelectors {
  const selectConnection = (state: unknown): ConnectionState => {
    const slice = (state as Record<string, { connection?: ConnectionState } | undefined>)[reducerPath]
    if (!slice?.connection) {
      throw new Error(
        `rtk-realtime: no realtime state at state.${reducerPath}; add [realtime.reducerPath]: realtime.reducer to your store's reducer`,
      )
    }
    return slice.connection
  }
  return {
    selectConnection,
    selectConnectionStatus: (state) => selectConnection(state).status,
    selectIsConnected: (state) => selectConnection(state).status === 'open',
    selectLatency: (state) => selectConnection(state).latencyMs,
  }
}
