/**
 * Backpressure towards clients: a client that does not read what it is sent (or reads slower
 * than it is sent) would make the server buffer without end. Past the bound it is closed with
 * 1013 ("try again later"), and terminated if even the close frame cannot get out.
 */
import { WebSocket } from 'ws'

/** The close code of a client over the bound. */
export const CLOSE_TOO_SLOW = 1013

/** How long a closed slow client gets to take the close frame before it is terminated. */
export const SLOW_CLIENT_GRACE_MS = 1_000

/**
 * Returns the check run after every send: closes `ws` once its `bufferedAmount` passes
 * `maxBufferedBytes`. `onOverflow` is told first (for the log).
 */
export function createBackpressure(maxBufferedBytes: number, onOverflow: (ws: WebSocket, buffered: number) => void): (ws: WebSocket) => void {
  return (ws) => {
    const buffered = ws.bufferedAmount
    if (buffered <= maxBufferedBytes || ws.readyState !== WebSocket.OPEN) return
    onOverflow(ws, buffered)
    ws.close(CLOSE_TOO_SLOW, `send buffer over ${maxBufferedBytes} bytes: client too slow`)
    setTimeout(() => ws.terminate(), SLOW_CLIENT_GRACE_MS).unref()
  }
}
