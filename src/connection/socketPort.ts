import { SOCKET_OPEN, type WebSocketLike } from '../world/webSocket'

/** Writes to the socket of the current session, for parts that live longer than one socket. */
export interface SocketPort {
  /** Writes a frame when a socket is open; false (nothing written) otherwise. */
  send(text: string): boolean
  /** A socket is attached and open. */
  readonly isOpen: boolean
}

/** The port with the calls the session uses to plug its socket in and out. */
export interface SocketPortControl extends SocketPort {
  attach(socket: WebSocketLike): void
  detach(): void
}

/** One port per saga run (per store); sessions attach their socket to it while they are open. */
export function createSocketPort(): SocketPortControl {
  let socket: WebSocketLike | null = null
  return {
    send(text) {
      if (socket?.readyState !== SOCKET_OPEN) return false
      socket.send(text)
      return true
    },
    get isOpen() {
      return socket?.readyState === SOCKET_OPEN
    },
    attach(next) {
      socket = next
    },
    detach() {
      socket = null
    },
  }
}
