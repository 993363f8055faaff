/**
 * Backpressured fan-out: send many frames to many sockets as fast as they take them, without
 * letting the per-socket send buffers grow without bound.
 */
import { WebSocket } from 'ws'

/** Tuning of {@link fanOut}. */
export interface FanOutOptions {
  /** Frames produced between backpressure checks. @default 256 */
  chunkSize?: number
  /** A socket with more than this many bytes buffered is waited on until it drains. @default 1 MiB */
  highWaterMark?: number
  /** Yield to the event loop every this many chunks even without backpressure, for fairness. @default 8 */
  yieldEveryChunks?: number
  /**
   * The transport under a WebSocket, when known. Each chunk is written between `cork()` and
   * `uncork()`, so a chunk of frames leaves in one write instead of one system call per frame.
   */
  transportOf?: (ws: WebSocket) => { cork(): void; uncork(): void } | undefined
}

/**
 * Sends `count` frames, `produce(i)` for i = 0..count-1, to every open socket that `targets()`
 * returns (re-read once per chunk, so sockets joining mid-way get the rest). Frames are produced
 * in order, each exactly once, right before being sent. Resolves when every frame was handed to
 * the sockets (ws has accepted it; a socket that closed mid-way is skipped). A socket that never
 * reads stalls the fan-out: that is the backpressure.
 */
export async function fanOut(
  targets: () => Iterable<WebSocket>,
  count: number,
  produce: (i: number) => string,
  options: FanOutOptions = {},
): Promise<void> {
  const chunkSize = options.chunkSize ?? 256
  const highWaterMark = options.highWaterMark ?? 1024 * 1024
  const yieldEvery = options.yieldEveryChunks ?? 8
  let chunks = 0
  let i = 0
  while (i < count) {
    const open = [...targets()].filter((ws) => ws.readyState === WebSocket.OPEN)
    const end = Math.min(count, i + chunkSize)
    const last = new Map<WebSocket, Promise<void>>()
    const corked = options.transportOf ? open.map((ws) => options.transportOf?.(ws)) : []
    for (const transport of corked) transport?.cork()
    try {
      for (; i < end; i++) {
        const frame = produce(i)
        const isLast = i === end - 1
        for (const ws of open) {
          if (ws.readyState !== WebSocket.OPEN) continue
          if (isLast) {
            // The send callback fires once this frame (and so everything before it) is written out.
            last.set(ws, new Promise<void>((resolve) => ws.send(frame, () => resolve())))
          } else {
            ws.send(frame)
          }
        }
      }
    } finally {
      for (const transport of corked) transport?.uncork()
    }
    chunks++
    const waits: Promise<void>[] = []
    for (const [ws, written] of last) {
      if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > highWaterMark) waits.push(written)
    }
    if (waits.length > 0) {
      await Promise.all(waits)
    } else if (chunks % yieldEvery === 0 && i < count) {
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
}

/**
 * Calls `send(from, to)` for messages 0..count-1 at `rate` messages per second: message i is due
 * `i * 1000 / rate` ms after the start, and each call sends every message due by then (one per
 * call at a low rate; several when a timer fired late). Awaits each `send` before the next, so a
 * slow receiver delays the schedule instead of piling up sends. Resolves after the last.
 */
export async function paced(count: number, rate: number, send: (from: number, to: number) => Promise<void>): Promise<void> {
  if (!(rate > 0)) throw new Error('paced: rate must be a positive number of messages per second')
  const start = performance.now()
  let sent = 0
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1)
    if (due > sent) {
      await send(sent, due)
      sent = due
    }
    if (sent < count) {
      const wait = (sent * 1000) / rate - (performance.now() - start)
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, wait)))
    }
  }
}
