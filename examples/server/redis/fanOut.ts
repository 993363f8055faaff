/**
 * Each instance's reader of the broadcast stream: every broadcast, from whichever instance applied
 * the change, reaches this instance's clients in `seq` order.
 */
import type { BroadcastFrame } from '../types'
import { frameOfEntry, type RedisStore } from './redisStore'

/** A running reader; `stop()` ends it (its blocked read is cut). */
export interface StreamFanOut {
  stop(): void
}

/**
 * Reads the stream after broadcast `fromSeq` and hands every frame to `deliver`, in order, until
 * stopped. A read error (Redis restarting) is logged and the read repeated from the last frame.
 */
export function startStreamFanOut(store: RedisStore, fromSeq: number, deliver: (frame: BroadcastFrame) => void, log: (line: string) => void): StreamFanOut {
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
            if (!stopped) deliver(frameOfEntry(entry))
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
