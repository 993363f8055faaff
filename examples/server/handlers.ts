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
 * `{ snapshot: true, seq, messages: [] }` when the bounded log no longer reaches back to `since`
 * (or `since` is ahead of the server, e.g. after a server restart): the client must then refetch
 * its state as a whole.
 */
export const syncHandler: RequestHandler = (request, { server }) => {
  const data = request.data as { since?: unknown } | undefined
  const since = data?.since
  if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) {
    throw new Error('SYNC needs data.since, a non-negative integer')
  }
  const seq = server.seq
  const messages = server.broadcastsSince(since)
  if (messages === null) return { snapshot: true, seq, messages: [] }
  return { messages, seq }
}

/** The request handlers every server starts with: `ECHO`, `TIME`, `SYNC`. */
export const defaultRequestHandlers = new Map<string, RequestHandler>([
  ['ECHO', echoHandler],
  ['TIME', timeHandler],
  ['SYNC', syncHandler],
])
