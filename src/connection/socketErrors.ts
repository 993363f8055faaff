import type { UnknownAction } from '@reduxjs/toolkit'
import type { ConnectionRuntime } from './runtime'
import type { SocketEvent } from './socketChannel'
import type { CloseInfo } from './types'

/** What an error event becomes: actions to put, and, when the socket is done for, how it closed. */
export interface SocketErrorOutcome {
  actions: UnknownAction[]
  /** Set when the session must end now (the socket is closing on our side): its close info. */
  close?: CloseInfo
}

/** RFC 6455 "Message Too Big": the code `ws` closes with when a frame is over `maxPayload`. */
const CLOSE_MESSAGE_TOO_BIG = 1009

/** `ws`'s code for a frame over `maxPayload`: refused as its header arrived. */
const WS_FRAME_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'

/**
 * What an error event of an open socket becomes. A frame `ws` refused for its size (see
 * `openWebSocket`) is reported like a frame the codec refuses (`messageRejected`,
 * `frame_too_large`), so `rejected` and `lastRejection` count it whichever refused it, and
 * `lastError` says why. `ws` has sent a close frame (1009) and stopped reading, so the session
 * ends at once with that code: its own close event would say 1006 (the server's close frame is
 * never read), and a server that does not close its side would hold the socket for 30 s.
 */
export function socketErrorActions(
  rt: ConnectionRuntime,
  event: Extract<SocketEvent, { kind: 'error' }>,
  at: number,
): SocketErrorOutcome {
  const { actions } = rt
  if (event.code === WS_FRAME_TOO_LARGE) {
    const limit = rt.config.websocket.MAX_FRAME_BYTES
    const why = `frame over the limit of ${limit} bytes (websocket.MAX_FRAME_BYTES)`
    const reason = `rtk-realtime: ${why}, refused by ws before it was buffered; closing with 1009`
    return {
      actions: [
        actions.messageRejected({ code: 'frame_too_large', reason, at }),
        actions.socketError({ name: 'WebSocketError', code: 'FRAME_TOO_LARGE', message: reason }),
      ],
      close: { code: CLOSE_MESSAGE_TOO_BIG, reason: why, wasClean: false },
    }
  }
  const detail = event.message === undefined ? '' : `: ${event.message}`
  return {
    actions: [
      actions.socketError({
        name: 'WebSocketError',
        message: `rtk-realtime: the socket reported an error${detail}`,
        ...(event.code === undefined ? {} : { code: event.code }),
      }),
    ],
  }
}
