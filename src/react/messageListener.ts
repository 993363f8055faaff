import type { Dispatch } from '@reduxjs/toolkit'
import type { Realtime } from '../createRealtime'
import { inboundEnvelope as coreInboundEnvelope } from '../connection/inboundEnvelope'
import type { Envelope } from '../protocol/envelope'

/** Receives one inbound message. */
export type MessageHandler = (message: Envelope) => void

/** The envelope an inbound action of `realtime` carries, or null. @internal */
export function inboundEnvelope(action: unknown, realtime: Realtime<string>): Envelope | null {
  return coreInboundEnvelope(action, realtime.reducerPath)
}

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
  try {
    return realtime.onMessage(dispatch, (message) => {
      if (accept(message)) handler(message)
    })
  } catch (error) {
    throw new Error(`rtk-realtime: ${caller}: ${(error as Error).message.replace(/^rtk-realtime: /, '')}`, { cause: error })
  }
}
