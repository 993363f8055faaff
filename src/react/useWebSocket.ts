import { useEffect, useMemo, useRef } from 'react'
import { useDispatch, useSelector, useStore } from 'react-redux'
import type { RequestOptions } from '../createRealtime'
import type { RealtimeDispatchExtension } from '../createRealtimeMiddleware'
import type { CloseInfo, ConnectionState, ConnectionStatus } from '../connection/types'
import type { Envelope } from '../protocol/envelope'
import type { RealtimeError } from '../world/serializeError'
import { useRealtimeFrom } from './RealtimeContext'
import { reportCallbackError, useLatest } from './callbacks'
import { addMessageListener, type MessageHandler } from './messageListener'

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
  const store = useStore()
  const dispatch = useDispatch()
  const state = useSelector(realtime.selectors.selectConnection)

  const callbacks = useLatest(options)

  // Transitions are read from the store on every dispatch, not from renders, so none is missed
  // when several happen between two renders. The baseline is the state the component first
  // rendered with, so a transition between that render and this effect (the socket can open in
  // between) is reported too. It lives in a ref: StrictMode's second effect run does not report
  // the same transition again.
  const seen = useRef<{ store: unknown; connection: ConnectionState } | null>(null)
  useEffect(() => {
    if (seen.current?.store !== store) seen.current = { store, connection: state }
    const baseline = seen.current
    const check = () => {
      const next = realtime.selectors.selectConnection(store.getState())
      const before = baseline.connection
      if (next === before) return
      baseline.connection = next
      const { onConnected, onDisconnected, onError } = callbacks.current
      try {
        if (next.lastError && next.lastError !== before.lastError) onError?.(next.lastError, next)
        if (before.status !== 'open' && next.status === 'open') onConnected?.(next)
        if (before.status === 'open' && next.status !== 'open') onDisconnected?.(next.lastClose, next)
      } catch (error) {
        reportCallbackError(error)
      }
    }
    check()
    return store.subscribe(check)
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `state` is only the baseline of a new store; later renders must not resubscribe (`callbacks` is a ref).
  }, [store, realtime])

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
        if (typeof type !== 'string' || type === '') {
          throw new TypeError(`rtk-realtime: useWebSocket().subscribe(type, handler): type must be a non-empty string, got ${String(type)}`)
        }
        if (typeof handler !== 'function') {
          throw new TypeError(`rtk-realtime: useWebSocket().subscribe("${type}", handler): handler must be a function`)
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
