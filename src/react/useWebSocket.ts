import { useDispatch, useEffect, useMemo, useSelector } from './peers'
import type { RequestOptions } from '../createRealtime'
import type { RealtimeDispatchExtension } from '../createRealtimeMiddleware'
import type { CloseInfo, ConnectionState, ConnectionStatus } from '../connection/types'
import type { Envelope } from '../protocol/envelope'
import type { RealtimeError } from '../world/serializeError'
import { useRealtimeFrom } from './RealtimeContext'
import { useTransitions } from './callbacks'
import { addMessageListener, type MessageHandler } from './messageListener'
import { quote } from './renamed'

/** Callbacks of {@link useWebSocket}. The latest ones are called; changing them never resubscribes. */
export interface UseWebSocketOptions {
  /** The status became `open` after the component first rendered (not called when it rendered already open). */
  onConnected?: (connection: ConnectionState) => void
  /** The status left `open` (a drop, a `disconnect()`, going offline); `close` is how the socket closed, when known. */
  onDisconnected?: (close: CloseInfo | null, connection: ConnectionState) => void
  /** A new `lastError` was recorded: a failed attempt, a socket error, a refused send. */
  onError?: (error: RealtimeError, connection: ConnectionState) => void
  /** Every inbound message (routed or not), as its envelope `{ type, data, seq, ts, ... }`. */
  onMessage?: (message: Envelope) => void
}

/** What {@link useWebSocket} returns. The functions are stable for the life of the store. */
export interface UseWebSocketResult {
  /** The connection sub-slice: plain data, as in Redux DevTools. */
  state: ConnectionState
  status: ConnectionStatus
  /** True while the socket is open. */
  isConnected: boolean
  /** Round trip of the last heartbeat, in ms; null before the first PONG. */
  latencyMs: number | null
  /** Sends `{ type, data }`; buffered in order while the socket is not open. */
  send(type: string, data?: unknown): void
  /**
   * Sends a request and resolves with the reply envelope, or rejects with a plain
   * `{ name, message, code }` (`REQUEST_TIMEOUT`, `REQUEST_REJECTED`, `BUFFER_FULL`).
   */
  request(type: string, data?: unknown, options?: RequestOptions): Promise<Envelope>
  /** Connects (after `disconnect()`, after `failed`, or when `websocket.AUTO_CONNECT` is off). */
  connect(): void
  /** Closes the socket cleanly; it stays closed until `connect()`. */
  disconnect(): void
  /**
   * Calls `handler` with every inbound message of wire type `type` until the returned function is
   * called. Call it in an effect and return the unsubscribe:
   *
   * ```ts
   * useEffect(() => subscribe('STATS', (message) => setStats(message.data)), [subscribe])
   * ```
   *
   * Handlers live in the realtime middleware (`realtime.onMessage`), never in an action or in
   * state. Routed and unrouted types both arrive, by their wire type.
   */
  subscribe(type: string, handler: MessageHandler): () => void
}

/**
 * The connection of the nearest `<RealtimeProvider>`: its state, and the functions to talk over it.
 * Thin: it selects and dispatches. It never opens a socket (the store's middleware owns it), so
 * mounting it in many components, or under StrictMode, still means one socket.
 *
 * @throws {Error} naming `useWebSocket()` when there is no `<RealtimeProvider>` above.
 * @example
 * const { status, isConnected, send, request } = useWebSocket({
 *   onConnected: () => console.log('connected'),
 *   onError: (error) => toast(error.message),
 * })
 * const reply = await request('ECHO', { hello: 'world' })
 */
export function useWebSocket(options: UseWebSocketOptions = {}): UseWebSocketResult {
  const realtime = useRealtimeFrom('useWebSocket()')
  const dispatch = useDispatch()
  const state = useSelector(realtime.selectors.selectConnection)

  const callbacks = useTransitions(realtime, options, realtime.selectors.selectConnection, state, (before, next) => [
    !!next.lastError && next.lastError !== before.lastError && ['onError', next.lastError, next],
    before.status !== 'open' && next.status === 'open' && ['onConnected', next],
    before.status === 'open' && next.status !== 'open' && ['onDisconnected', next.lastClose, next],
  ])

  const wantsMessages = options.onMessage !== undefined
  useEffect(() => {
    if (!wantsMessages) return undefined
    return addMessageListener(dispatch, realtime, 'useWebSocket({ onMessage })', () => true, (message) =>
      callbacks.current.onMessage?.(message),
    )
  }, [wantsMessages, dispatch, realtime, callbacks])

  const functions = useMemo(
    () => ({
      send(type: string, data?: unknown): void {
        dispatch(realtime.actions.send(type, data))
      },
      request(type: string, data?: unknown, requestOptions?: RequestOptions): Promise<Envelope> {
        return (dispatch as unknown as RealtimeDispatchExtension)(realtime.request(type, data, requestOptions))
      },
      connect(): void {
        dispatch(realtime.actions.connect())
      },
      disconnect(): void {
        dispatch(realtime.actions.disconnect())
      },
      subscribe(type: string, handler: MessageHandler): () => void {
        if (typeof type !== 'string' || type === '' || typeof handler !== 'function') {
          throw new TypeError(
            `rtk-realtime: useWebSocket().subscribe(type, handler): type must be a non-empty string and handler must be a function, got ${quote(type)} and ${typeof handler}`,
          )
        }
        return addMessageListener(dispatch, realtime, 'useWebSocket().subscribe', (message) => message.type === type, handler)
      },
    }),
    [dispatch, realtime],
  )

  return {
    state,
    status: state.status,
    isConnected: state.status === 'open',
    latencyMs: state.latencyMs,
    ...functions,
  }
}
