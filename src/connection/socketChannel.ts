import { buffers, eventChannel, type EventChannel } from 'redux-saga'
import type { WebSocketLike } from '../world/webSocket'
import type { CloseInfo } from './types'

/** What a socket reports, as plain data. */
export type SocketEvent =
  | { kind: 'open' }
  | { kind: 'message'; data: unknown }
  | { kind: 'messages'; frames: unknown[] }
  | { kind: 'error'; message?: string; code?: string }
  | ({ kind: 'close' } & CloseInfo)

const OPEN: SocketEvent = { kind: 'open' }

/**
 * An error event as plain data. A browser's says nothing; `ws`'s carries the error (its `message`
 * and a `code` such as `WS_ERR_UNSUPPORTED_MESSAGE_LENGTH`), which is worth keeping. Only
 * strings are read: the event itself never reaches an action.
 */
function errorEvent(event: unknown): SocketEvent {
  const { message, error } = (event ?? {}) as { message?: unknown; error?: { message?: unknown; code?: unknown } | null }
  const detail = typeof message === 'string' && message !== '' ? message : typeof error?.message === 'string' ? error.message : undefined
  const code = typeof error?.code === 'string' ? error.code : undefined
  return { kind: 'error', ...(detail === undefined ? {} : { message: detail }), ...(code === undefined ? {} : { code }) }
}

/**
 * Wraps a socket in an eventChannel. The buffer is an expanding one: redux-saga's default
 * buffer for `eventChannel` holds 10 items and drops the rest, which loses frames whenever
 * the saga is busy putting. Closing the channel detaches every handler, so a socket we gave
 * up on can no longer speak to the store.
 */
export function createSocketChannel(socket: WebSocketLike): EventChannel<SocketEvent> {
  return eventChannel<SocketEvent>((emit) => {
    // A burst: the frames that arrive in one turn of the event loop after the first (Node's ws
    // parses a whole TCP read in one go). The first frame goes through at once; the rest travel
    // together at the end of the turn, so the saga takes once per read instead of once per frame.
    let burst: unknown[] | null = null
    const endBurst = () => {
      const frames = burst
      burst = null
      if (frames && frames.length > 0) emit({ kind: 'messages', frames })
    }
    socket.onopen = () => emit(OPEN)
    socket.onmessage = (event: { data: unknown }) => {
      if (burst) {
        burst.push(event.data)
        return
      }
      burst = []
      queueMicrotask(endBurst)
      emit({ kind: 'message', data: event.data })
    }
    socket.onerror = (event: unknown) => {
      endBurst()
      emit(errorEvent(event))
    }
    socket.onclose = (event: Partial<CloseInfo>) => {
      endBurst()
      emit({
        kind: 'close',
        code: typeof event.code === 'number' ? event.code : 1006,
        reason: typeof event.reason === 'string' ? event.reason : '',
        wasClean: event.wasClean === true,
      })
    }
    return () => {
      burst = null
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null
    }
  }, buffers.expanding<SocketEvent>(1024))
}
