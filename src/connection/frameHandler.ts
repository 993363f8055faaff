import type { UnknownAction } from '@reduxjs/toolkit'
import type { Envelope } from '../protocol/envelope'

/** How the read loop reaches the store: the store's own functions, or a collector for `put`. */
export interface StoreAccess {
  dispatch(action: UnknownAction): unknown
  getState(): unknown
}

/** What a frame handler may use: the store, and the socket to answer on. */
export interface FrameContext extends StoreAccess {
  send(text: string): void
}

/**
 * One link of the inbound chain: handles a decoded frame it recognizes and returns true, or
 * returns false to pass it on. The connection knows the heartbeat's and the requests' links; the
 * parts above it (collections, ops) register theirs, so the connection knows no op. Handlers run
 * once per frame: keep the check that declines a frame to a lookup.
 */
export type FrameHandler = (message: Envelope, receivedAt: number, context: FrameContext) => boolean
