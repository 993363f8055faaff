/**
 * The CONTROL `blast` op and what benchmarks read after it: the server's send time of every
 * blasted message (`blastTimes`) and its clock (`clock`).
 *
 * Send times are taken on `performance.timeOrigin + performance.now()` (ms since the epoch, sub-ms
 * resolution, the system clock read once at process start), right before each message is
 * stringified and handed to the sockets. A client in another process on the same machine reads the
 * same expression, so `its clock at arrival - send time` is the latency from server send; `clock`
 * lets it check the two clocks agree (half a round trip of uncertainty).
 */
import { paced } from './blast'
import type { WebSocket } from 'ws'
import type { AnyReferenceServer } from './types'

/** Largest `count` a CONTROL blast accepts. */
export const MAX_CONTROL_BLAST = 10_000_000

/** The send times of each server's last blast. */
const lastBlast = new WeakMap<AnyReferenceServer, Float64Array>()

/** This process's clock, in ms since the epoch with sub-ms resolution. */
export const clockNow = (): number => performance.timeOrigin + performance.now()

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new Error(`blast ${what} must be a positive integer`)
  return value
}

/** Most bytes a coalesced blast lets wait in the requesting socket before it waits for them to drain. */
const HIGH_WATER_MARK = 1024 * 1024

/**
 * Broadcasts messages `from`..`to - 1`, `perFrame` per macrotask, through `server.broadcast`: the
 * server's broadcast coalescing sends each macrotask's broadcasts as one BATCH frame. Waits
 * while more than HIGH_WATER_MARK bytes are buffered for `socket` (the client that asked).
 */
async function coalesced(
  server: AnyReferenceServer, socket: WebSocket, from: number, to: number, perFrame: number,
  make: (i: number) => { type: string; data: unknown },
): Promise<void> {
  for (let start = from; start < to; start += perFrame) {
    const sent: unknown[] = []
    for (let i = start; i < Math.min(to, start + perFrame); i++) {
      const { type, data } = make(i)
      sent.push(server.broadcast(type, data))
    }
    // On Redis each broadcast goes through the stream: wait for Redis before the next frame.
    if (sent[0] instanceof Promise) await Promise.all(sent)
    await new Promise<void>((resolve) => setImmediate(resolve))
    while (socket.readyState === socket.OPEN && socket.bufferedAmount > HIGH_WATER_MARK) {
      await new Promise<void>((resolve) => setTimeout(resolve, 1))
    }
  }
}

/**
 * `blast { count, keys?, messageType?, rate?, perFrame? }`: broadcasts message i (0..count-1) as
 * `{ type: messageType, data: { id: 'w-' + (i % keys), value: i, version: i + 1 } }`, as fast as
 * the sockets take them, or `rate` per second. With `perFrame` > 1 the messages go through
 * `server.broadcast`, `perFrame` per macrotask, so the server's broadcast coalescing packs them
 * into BATCH frames of that many (up to its `broadcastBatch.maxFrames`); otherwise one frame per
 * message (`server.blast`). Throws on bad options (before sending anything); resolves once every
 * message was handed to the sockets.
 */
export function runBlast(server: AnyReferenceServer, socket: WebSocket, data: Record<string, unknown>): Promise<void> {
  const count = data.count
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_CONTROL_BLAST) {
    throw new Error(`blast needs an integer count in [0, ${MAX_CONTROL_BLAST}]`)
  }
  const keys = positiveInteger(data.keys ?? 100, 'keys')
  const perFrame = positiveInteger(data.perFrame ?? 1, 'perFrame')
  const messageType = data.messageType ?? 'WIDGET_UPDATE'
  if (typeof messageType !== 'string' || messageType === '') throw new Error('blast messageType must be a non-empty string')
  const rate = data.rate
  if (rate !== undefined && (typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(rate))) {
    throw new Error('blast rate must be a positive number of messages per second')
  }
  const sentAt = new Float64Array(count)
  lastBlast.set(server, sentAt)
  const make = (i: number) => {
    sentAt[i] = clockNow()
    return { type: messageType, data: { id: 'w-' + (i % keys), value: i, version: i + 1 } }
  }
  const send = (from: number, to: number): Promise<void> =>
    perFrame > 1 ? coalesced(server, socket, from, to, perFrame, make) : server.blast(to - from, (j) => make(from + j))
  return rate === undefined ? send(0, count) : paced(count, rate, send)
}

/**
 * `blastTimes`: the last blast's send times as `{ count, origin, micros }`, message i sent at
 * `origin + micros[i] / 1000` (ms on the server's clock; integers keep the reply small).
 */
export function blastTimes(server: AnyReferenceServer): { count: number; origin: number; micros: number[] } {
  const sentAt = lastBlast.get(server) ?? new Float64Array(0)
  const origin = sentAt[0] ?? 0
  const micros = Array.from(sentAt, (t) => Math.round((t - origin) * 1000))
  return { count: sentAt.length, origin, micros }
}
