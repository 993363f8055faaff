/**
 * Request handlers: message types that, sent with an `id`, get a reply
 * `{ type: <same type>, replyTo: id, data: <result> }` instead of an ACK.
 *
 * Every server starts from a copy of {@link defaultRequestHandlers}; add to that map (before
 * starting servers) or pass `requestHandlers` to `startServer` to extend the protocol.
 */
import type { RequestHandler } from './types'

/** `ECHO`: replies with the request's data. */
export const echoHandler: RequestHandler = (request) => request.data

/** `TIME`: replies `{ now: Date.now() }`. */
export const timeHandler: RequestHandler = () => ({ now: Date.now() })

/**
 * `SYNC { since }`: replies `{ messages, seq }` with the broadcasts numbered after `since`, or
 * `{ snapshot: true, seq, messages: [], widgets }` when the bounded log no longer reaches back to
 * `since` (or `since` is ahead of the server, e.g. after a server restart): the client must then
 * rebuild its state from `widgets` (every live widget as `{ ...entity, version }`), which is
 * the state as of broadcast `seq` or newer (a change whose broadcast is still delayed behind its ACK
 * is already in it; its broadcast then repeats a version the client holds).
 */
export const syncHandler: RequestHandler = (request, { server }) => {
  const data = request.data as { since?: unknown } | undefined
  const since = data?.since
  if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) {
    throw new Error('SYNC needs data.since, a non-negative integer')
  }
  const seq = server.seq
  const messages = server.broadcastsSince(since)
  if (messages === null) return { snapshot: true, seq, messages: [], widgets: server.widgets() }
  return { messages, seq }
}

/** `GET_WIDGETS`: replies `{ widgets, seq }`, every live widget as `{ ...entity, version }` (as of broadcast `seq` or newer, as for SYNC). */
export const getWidgetsHandler: RequestHandler = (_request, { server }) => ({ widgets: server.widgets(), seq: server.seq })

/** The request handlers every server starts with: `ECHO`, `TIME`, `SYNC`, `GET_WIDGETS`. */
export const defaultRequestHandlers = new Map<string, RequestHandler>([
  ['ECHO', echoHandler],
  ['TIME', timeHandler],
  ['SYNC', syncHandler],
  ['GET_WIDGETS', getWidgetsHandler],
])
