/**
 * Each instance's reader of the broadcast stream: every broadcast, from whichever instance applied
 * the change, reaches this instance's clients in `seq` order.
 */
import type { BroadcastFrame, WidgetSnapshot } from '../types'
import { frameOfEntry, isBroadcastEntry, seedOfEntry, type RedisStore } from './redisStore'

/** What the reader hands on: each broadcast, and each reseed (`server.seedWidgets`, not sent to clients). */
export interface StreamListener {
  frame(frame: BroadcastFrame): void
  seed(widgets: WidgetSnapshot[]): void
}

/** A running reader; `stop()` ends it (its blocked read is cut). */
export interface StreamFanOut {
  stop(): void
}

/**
 * Reads the stream after broadcast `fromSeq` and hands every entry to `listener`, in order, until
 * stopped. A read error (Redis restarting) is logged and the read repeated from the last entry.
 */
export function startStreamFanOut(store: RedisStore, fromSeq: number, listener: StreamListener, log: (line: string) => void): StreamFanOut {
  const connection = store.duplicate()
  let stopped = false
  let lastId = `${fromSeq}-0`
  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const reply = (await connection.xread('COUNT', 1000, 'BLOCK', 0, 'STREAMS', store.streamKey, lastId)) as [string, [string, string[]][]][] | null
        for (const [, entries] of reply ?? []) {
          for (const entry of entries) {
            lastId = entry[0]
            if (stopped) continue
            if (isBroadcastEntry(entry[0])) listener.frame(frameOfEntry(entry))
            else listener.seed(seedOfEntry(entry))
          }
        }
      } catch (error) {
        if (!stopped) log(`reading the broadcast stream failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
  void loop()
  return {
    stop() {
      stopped = true
      connection.disconnect()
    },
  }
}
