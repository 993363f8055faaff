import type { FrameHandler, StoreAccess } from './frameHandler'
import type { SocketPortControl } from './socketPort'

/** What the parts above the connection plug into it for one saga run (one store). */
export interface ConnectionHooks {
  /** Inbound links, tried in order after the heartbeat's and before the request replies and the router. */
  frameHandlers: readonly FrameHandler[]
  /** Where each open session attaches its socket, so others can write to it. */
  port: SocketPortControl
  /** Called when a session ends, before `closed` is put: e.g. the batcher applies what it holds. */
  onSessionEnd(): void
  /** The store, when the package's middleware runs the saga (absent when forked by the user). */
  store?: StoreAccess
}
