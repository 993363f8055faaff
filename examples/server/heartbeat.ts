/**
 * The server's side of liveness: every interval each client is pinged (a WebSocket ping frame,
 * which browsers and `ws` answer by themselves), and a client from which nothing arrived during
 * a whole interval (no frame, no pong) is terminated, so dead peers and silent squatters do not
 * hold a socket (and its buffers) for ever.
 */
import type { WebSocket } from 'ws'

/** A running heartbeat. */
export interface Heartbeat {
  /** Notes that something arrived from `ws` (a frame or a pong). */
  heard(ws: WebSocket): void
  stop(): void
}

/** Starts pinging `clients()` every `intervalMs` (0: never). `onIdle` is told before a client is terminated. */
export function startHeartbeat(clients: () => Iterable<WebSocket>, intervalMs: number, onIdle: (ws: WebSocket) => void): Heartbeat {
  const silent = new WeakSet<WebSocket>()
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) return { heard: () => {}, stop: () => {} }
  const timer = setInterval(() => {
    for (const ws of clients()) {
      if (silent.has(ws)) {
        onIdle(ws)
        ws.terminate()
        continue
      }
      silent.add(ws)
      try {
        ws.ping()
      } catch {
        // Not open yet or closing: the next round decides.
      }
    }
  }, intervalMs)
  // The heartbeat alone must not keep a process (a test run) alive.
  timer.unref()
  return {
    heard: (ws) => silent.delete(ws),
    stop: () => clearInterval(timer),
  }
}
