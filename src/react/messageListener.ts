import { addListener, type Dispatch, type UnknownAction } from '@reduxjs/toolkit'
import type { Realtime } from '../createRealtime'
import { isInboundAction } from '../connection/connectionSlice'
import type { Envelope } from '../protocol/envelope'

/** Receives one inbound message. */
export type MessageHandler = (message: Envelope) => void

/**
 * The envelope an inbound action carries, or null when the action is not an inbound message of
 * this instance.
 *
 * - `realtime/connection/messageReceived` (a type without an inbound route): its payload is the
 *   envelope.
 * - A routed type (`inbound: { WIDGET_UPDATE: 'widgets/updated' }`): the payload is the message's
 *   `data`; the envelope is rebuilt from it and `meta.realtime`. That needs the message type in
 *   `meta.realtime.type`; until the core records it there, routed messages are not delivered to
 *   `subscribe`/`onMessage` (handle them in the reducer of the routed action).
 *
 * @internal
 */
export function inboundEnvelope(action: unknown, realtime: Realtime<string>): Envelope | null {
  if (realtime.actions.messageReceived.match(action as UnknownAction)) {
    return (action as { payload: Envelope }).payload
  }
  if (!isInboundAction(action, realtime.reducerPath)) return null
  const meta = action.meta.realtime as typeof action.meta.realtime & { type?: unknown }
  if (typeof meta.type !== 'string') return null
  const envelope: Envelope = { type: meta.type }
  if (action.payload !== undefined) envelope.data = action.payload
  if (meta.id !== undefined) envelope.id = meta.id
  if (meta.replyTo !== undefined) envelope.replyTo = meta.replyTo
  if (meta.seq !== undefined) envelope.seq = meta.seq
  if (meta.ts !== undefined) envelope.ts = meta.ts
  return envelope
}

/**
 * Registers `handler` for the inbound messages of `realtime` that `accept` lets through, using
 * RTK's listener middleware (`dispatch(addListener(...))`), so no function ever reaches state or
 * the reducers. Returns the unsubscribe.
 *
 * @throws {Error} naming `caller` when the store has no listener middleware (dispatching
 *   `addListener` then returns the action instead of an unsubscribe function).
 * @internal
 */
export function addMessageListener(
  dispatch: Dispatch,
  realtime: Realtime<string>,
  caller: string,
  accept: (message: Envelope) => boolean,
  handler: MessageHandler,
): () => void {
  const result: unknown = dispatch(
    addListener({
      predicate: (action) => {
        const message = inboundEnvelope(action, realtime)
        return message !== null && accept(message)
      },
      effect: (action) => {
        handler(inboundEnvelope(action, realtime)!)
      },
    }) as unknown as UnknownAction,
  )
  if (typeof result !== 'function') {
    throw new Error(
      `rtk-realtime: ${caller} needs RTK's listener middleware in the store, and none handled addListener. ` +
        'Add it before the other middleware: const listener = createListenerMiddleware(); ' +
        'configureStore({ reducer, middleware: (gDM) => gDM().prepend(listener.middleware).concat(realtime.middleware) })',
    )
  }
  return result as () => void
}
