import type { Dispatch } from '@reduxjs/toolkit'
import type { Realtime } from '../createRealtime'
import type { Envelope } from '../protocol/envelope'
import { renamed } from './renamed'

/** Receives one inbound message. */
export type MessageHandler = (message: Envelope) => void

/**
 * Registers `handler` for the inbound messages of `realtime` that `accept` lets through, with
 * `realtime.onMessage`: the realtime middleware keeps the listener, so no function ever travels in
 * an action. Returns the unsubscribe.
 *
 * @internal
 */
export function addMessageListener(
  dispatch: Dispatch,
  realtime: Realtime<string>,
  caller: string,
  accept: (message: Envelope) => boolean,
  handler: MessageHandler,
): () => void {
  return renamed(caller, () =>
    realtime.onMessage(dispatch, (message) => {
      if (accept(message)) handler(message)
    }),
  )
}
