/**
 * Request handlers: message types that, sent with an `id`, get a reply
 * `{ type: <same type>, replyTo: id, data: <result> }` instead of an ACK.
 *
 * Every server starts from a copy of {@link defaultRequestHandlers}; add to that map (before
 * starting servers) or pass `requestHandlers` to `startServer` to extend the protocol.
 */
import { DEFAULT_ENTITY_BROADCAST_TYPE } from './entityMessages'
import type { RequestHandler } from './types'

/** `ECHO`: replies with the request's data. */
export const echoHandler: RequestHandler = (request) => request.data

/** `TIME`: replies `{ now: Date.now() }`. */
export const timeHandler: RequestHandler = () => ({ now: Date.now() })

/**
 * Makes the `SYNC { since }` handler, whose snapshots announce each widget as an `updateType` frame
 * (the server's entity broadcast type). It replies
 *
 * - `{ seq, messages }`: the broadcasts numbered after `since` (full frames `{ type, data, seq, ts }`),
 *   when the bounded log still reaches back to `since`;
 * - `{ snapshot: true, seq, messages, widgets }` otherwise: when `since` is 0 (the client knows
 *   nothing), older than the log, or ahead of the server (a server restart, another instance).
 *   `messages` holds one `{ type: updateType, data: { ...widget, version } }` frame per live widget,
 *   the same frame a change of it is broadcast as, so a client reads them with the parser of its
 *   live updates; a widget the client holds but the snapshot leaves out was deleted. `widgets` is
 *   the same list as plain entities (for older clients). The snapshot is the state as of broadcast
 *   `seq` or newer (a change whose broadcast is still delayed behind its ACK is already in it; its
 *   broadcast then repeats a version the client holds).
 *
 * `since` must be a non-negative integer; anything else is answered with an `ERROR`.
 */
export function createSyncHandler(updateType: string = DEFAULT_ENTITY_BROADCAST_TYPE): RequestHandler {
  return (request, { server }) => {
    const data = request.data as { since?: unknown } | undefined
    const since = data?.since
    if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) {
      throw new Error('SYNC needs data.since, a non-negative integer')
    }
    const seq = server.seq
    const missed = since === 0 ? null : server.broadcastsSince(since)
    if (missed !== null) return { messages: missed, seq }
    const widgets = server.widgets()
    return { snapshot: true, seq, messages: widgets.map((widget) => ({ type: updateType, data: widget })), widgets }
  }
}

/**
 * `SYNC { since }` with snapshots of `WIDGET_UPDATE` frames (see {@link createSyncHandler}; a
 * server whose `entityBroadcastType` differs registers `createSyncHandler(type)` instead).
 */
export const syncHandler: RequestHandler = createSyncHandler()

/** `GET_WIDGETS`: replies `{ widgets, seq }`, every live widget as `{ ...entity, version }` (as of broadcast `seq` or newer, as for SYNC). */
export const getWidgetsHandler: RequestHandler = (_request, { server }) => ({ widgets: server.widgets(), seq: server.seq })

/** The request handlers every server starts with: `ECHO`, `TIME`, `SYNC`, `GET_WIDGETS`. */
export const defaultRequestHandlers = new Map<string, RequestHandler>([
  ['ECHO', echoHandler],
  ['TIME', timeHandler],
  ['SYNC', syncHandler],
  ['GET_WIDGETS', getWidgetsHandler],
])
