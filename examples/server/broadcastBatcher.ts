/**
 * Coalescing of broadcasts: the frames queued for one client in one macrotask leave as a single
 * `BATCH` frame `{ type: 'BATCH', data: [frame, ...] }` (DESIGN.md section 4), so a burst costs one
 * `ws.send` per client instead of one per change. A lone frame is sent as it is.
 */
import { WebSocket } from 'ws'

/** Options of broadcast coalescing (`startServer({ broadcastBatch })`). */
export interface BroadcastBatchOptions {
  /** Most frames in one BATCH; reaching it sends the BATCH at once. @default 500 */
  maxFrames?: number
  /**
   * How long frames are collected: 0 sends at the end of the current macrotask (`setImmediate`),
   * more waits that many ms after the first queued frame (more frames per BATCH, more latency).
   * @default 0
   */
  delayMs?: number
  /**
   * Most UTF-8 bytes of frames in one BATCH (measured as string length, which never undercounts
   * ASCII JSON), so a BATCH stays far below a client's `websocket.MAX_FRAME_BYTES` (1 MiB by
   * default), which a BATCH counts against as a whole. @default 262144
   */
  maxBytes?: number
}

/** The defaults of {@link BroadcastBatchOptions}. */
export const DEFAULT_BROADCAST_BATCH: Required<BroadcastBatchOptions> = Object.freeze({ maxFrames: 500, delayMs: 0, maxBytes: 262_144 })

/** Sends broadcast frames to clients, coalesced per client (or one by one when off). */
export interface BroadcastBatcher {
  /** Queues (or, when coalescing is off, sends) an encoded frame for `ws`. */
  send(ws: WebSocket, text: string): void
  /**
   * Sends what is queued for `ws` now. Called before anything else is sent to that client (a
   * reply, raw bytes, a blast), so a client receives every frame in the order it was produced:
   * an ACK still reaches its sender before the broadcast of the same op.
   */
  flush(ws: WebSocket): void
  /** Sends everything queued, to every client. */
  flushAll(): void
  /** Forgets everything queued and cancels the timer (the server stops or dies). */
  drop(): void
}

interface Queue {
  frames: string[]
  bytes: number
}

function validate(options: BroadcastBatchOptions): Required<BroadcastBatchOptions> {
  const merged = { ...DEFAULT_BROADCAST_BATCH, ...options }
  const { maxFrames, delayMs, maxBytes } = merged
  if (!(Number.isSafeInteger(maxFrames) && maxFrames >= 1)) throw new RangeError(`startServer({ broadcastBatch }): maxFrames must be an integer >= 1, got ${String(maxFrames)}`)
  if (!(Number.isFinite(delayMs) && delayMs >= 0)) throw new RangeError(`startServer({ broadcastBatch }): delayMs must be a finite number >= 0, got ${String(delayMs)}`)
  if (!(Number.isFinite(maxBytes) && maxBytes >= 1)) throw new RangeError(`startServer({ broadcastBatch }): maxBytes must be a number >= 1, got ${String(maxBytes)}`)
  return merged
}

/**
 * Creates the broadcast sender of one server; `false` sends every frame at once, on its own.
 * `afterWrite` runs after each frame handed to a socket (the server's backpressure check).
 */
export function createBroadcastBatcher(options: BroadcastBatchOptions | false = {}, afterWrite?: (ws: WebSocket) => void): BroadcastBatcher {
  const write = (ws: WebSocket, text: string): void => {
    if (ws.readyState !== WebSocket.OPEN) return
    ws.send(text)
    afterWrite?.(ws)
  }
  if (options === false) {
    return { send: write, flush: () => {}, flushAll: () => {}, drop: () => {} }
  }
  const { maxFrames, delayMs, maxBytes } = validate(options)
  const queues = new Map<WebSocket, Queue>()
  let timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined

  const cancel = (): void => {
    if (timer === undefined) return
    if (delayMs > 0) clearTimeout(timer as ReturnType<typeof setTimeout>)
    else clearImmediate(timer as ReturnType<typeof setImmediate>)
    timer = undefined
  }

  const flush = (ws: WebSocket): void => {
    const queue = queues.get(ws)
    if (!queue) return
    queues.delete(ws)
    const { frames } = queue
    // The frames are already JSON: joining the texts builds the BATCH without parsing or
    // re-encoding a thing.
    write(ws, frames.length === 1 ? frames[0]! : `{"type":"BATCH","data":[${frames.join(',')}]}`)
    if (queues.size === 0) cancel()
  }

  const flushAll = (): void => {
    timer = undefined
    for (const ws of [...queues.keys()]) flush(ws)
  }

  return {
    send(ws, text) {
      let queue = queues.get(ws)
      // A frame that would push the BATCH past maxBytes goes into the next one.
      if (queue && queue.bytes + text.length > maxBytes) {
        flush(ws)
        queue = undefined
      }
      if (!queue) {
        queue = { frames: [], bytes: 0 }
        queues.set(ws, queue)
      }
      queue.frames.push(text)
      queue.bytes += text.length + 1
      if (queue.frames.length >= maxFrames) flush(ws)
      else if (timer === undefined) timer = delayMs > 0 ? setTimeout(flushAll, delayMs) : setImmediate(flushAll)
    },
    flush,
    flushAll,
    drop() {
      cancel()
      queues.clear()
    },
  }
}
