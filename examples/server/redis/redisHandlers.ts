/**
 * `SYNC { since }` and `GET_WIDGETS` answered from Redis, so any instance answers for all of them:
 * the missed broadcasts from the stream, else a snapshot (the same reply shapes as
 * `createSyncHandler` in ../handlers).
 */
import type { RequestHandler } from '../types'
import type { RedisStore } from './redisStore'

/** `SYNC { since }` on the shared stream; snapshots announce each widget as `updateType`. */
export function createRedisSyncHandler(store: RedisStore, updateType: string): RequestHandler {
  return async (request) => {
    const since = (request.data as { since?: unknown } | undefined)?.since
    if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) {
      throw new Error('SYNC needs data.since, a non-negative integer')
    }
    if (since > 0) {
      const read = await store.since(since)
      if (read.frames) return { messages: read.frames, seq: read.seq }
    }
    const { seq, widgets } = await store.snapshot()
    return { snapshot: true, seq, messages: widgets.map((widget) => ({ type: updateType, data: widget })), widgets }
  }
}

/** `GET_WIDGETS` on the shared state: `{ widgets, seq }`. */
export function createRedisWidgetsHandler(store: RedisStore): RequestHandler {
  return () => store.snapshot()
}
