import { buffers, eventChannel, type EventChannel } from 'redux-saga'
import type { WebSocketLike } from '../world/webSocket'
import type { CloseInfo } from './types'

/** What a socket reports, as plain data. */
export type SocketEvent =
  | { kind: 'open' }
  | { kind: 'message'; data: unknown }
  | { kind: 'error' }
  | ({ kind: 'close' } & CloseInfo)

const OPEN: SocketEvent = { kind: 'open' }
const ERROR: SocketEvent = { kind: 'error' }

/**
 * Wraps a socket in an eventChannel. The buffer is an expanding one: redux-saga's default
 * buffer for `eventChannel` holds 10 items and drops the rest, which loses frames whenever
 * the saga is busy putting. Closing the channel detaches every handler, so a socket we gave
 * up on can no longer speak to the store.
 */
export function createSocketChannel(socket: WebSocketLike): EventChannel<SocketEvent> {
  return eventChannel<SocketEvent>((emit) => {
    socket.onopen = () => emit(OPEN)
    socket.onmessage = (event: { data: unknown }) => emit({ kind: 'message', data: event.data })
    socket.onerror = () => emit(ERROR)
    socket.onclose = (event: Partial<CloseInfo>) =>
      emit({
        kind: 'close',
        code: typeof event.code === 'number' ? event.code : 1006,
        reason: typeof event.reason === 'string' ? event.reason : '',
        wasClean: event.wasClean === true,
      })
    return () => {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null
    }
  }, buffers.expanding<SocketEvent>(1024))
}
