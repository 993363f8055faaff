/**
 * The close codes the client itself uses when it gives up a socket, in the range RFC 6455 leaves
 * to applications (4000-4999), so a server's logs and `lastClose` tell the causes apart.
 */

/** The heartbeat got no PONG within `websocket.PONG_TIMEOUT`: the socket is treated as dead. */
export const CLOSE_HEARTBEAT_TIMEOUT = 4000

/** The socket did not open within `websocket.CONNECT_TIMEOUT`. */
export const CLOSE_CONNECT_TIMEOUT = 4001

/** The environment reported no network (`offline()`): the socket is given up until `online()`. */
export const CLOSE_OFFLINE = 4002

/** The close reason sent, and reported in `closed.payload.close.reason`, when going offline. */
export const OFFLINE_CLOSE_REASON = 'offline: the environment reported no network'
