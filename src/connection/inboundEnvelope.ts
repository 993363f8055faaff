import type { UnknownAction } from '@reduxjs/toolkit'
import type { Envelope } from '../protocol/envelope'
import { isInboundAction } from './connectionSlice'

/**
 * The envelope an inbound action carries, or null when the action is not an inbound message of
 * this instance.
 *
 * - `realtime/connection/messageReceived` (a type without an inbound route): its payload is the
 *   envelope.
 * - A routed type (`inbound: { WIDGET_UPDATE: 'widgets/updated' }`): the payload is the message's
 *   `data`; the envelope is rebuilt from it and `meta.realtime`. That needs the message type in
 *   `meta.realtime.type`.
 *
 */
export function inboundEnvelope(action: unknown, reducerPath: string): Envelope | null {
  if ((action as UnknownAction).type === `${reducerPath}/connection/messageReceived`) {
    return (action as { payload: Envelope }).payload
  }
  if (!isInboundAction(action, reducerPath)) return null
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
