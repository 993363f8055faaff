/**
 * What `startServer({ redis })` adds to a server: the shared state, the op path through it, the
 * in-process changes through it, the SYNC and GET_WIDGETS handlers that read it, the stream
 * reader and the local widget mirror.
 */
import type { WebSocket } from 'ws'
import type { BroadcastFrame, EntityOpKind, IdentifiedMessage, RequestHandler, WidgetSeed, WidgetSnapshot } from '../types'
import { startStreamFanOut, type StreamFanOut } from './fanOut'
import { WidgetMirror } from './mirror'
import { createRedisSyncHandler, createRedisWidgetsHandler } from './redisHandlers'
import { answerRedisGenericOp, answerRedisOp, type RedisOpDeps } from './redisOps'
import { RedisStore, type RedisOptions } from './redisStore'
import { seedEntities } from '../widgets'
import { createServerChanges, type ServerChanges } from './serverChanges'

/** An open Redis backend of one server instance. */
export interface RedisBackend {
  readonly store: RedisStore
  readonly mirror: WidgetMirror
  /** The seq of the state the mirror started from (the stream is read after it). */
  readonly startSeq: number
  readonly requestHandlers: [string, RequestHandler][]
  /**
   * The op path on `deps` (built once per server): answers an op of entity kind `kind`, or
   * (without a kind) with the generic ACK.
   */
  answerer(deps: Omit<RedisOpDeps, 'store' | 'broadcastType'>): (socket: WebSocket, op: IdentifiedMessage, kind: EntityOpKind | undefined) => Promise<void>
  /** `touch`, `deleteWidget`, `seedWidgets` and `broadcast` through Redis. */
  changes(now: () => number, alive: (what: string) => void): ServerChanges
  /** Starts handing every broadcast after `startSeq` to `deliver`. */
  listen(deliver: (frame: BroadcastFrame) => void, log: (line: string) => void): void
  close(): Promise<void>
}

/** `redis` as given to `startServer`: a URL or {@link RedisOptions}. */
function redisOptionsOf(redis: string | RedisOptions): RedisOptions {
  return typeof redis === 'string' ? { url: redis } : redis
}

/** Connects, seeds `widgets` when Redis holds no widget yet, and reads the state to start from. */
export async function openRedisBackend(redis: string | RedisOptions, widgets: Iterable<WidgetSeed> | undefined, broadcastType: string): Promise<RedisBackend> {
  const seeds = widgets && seedEntities(widgets)
  const store = new RedisStore(redisOptionsOf(redis))
  try {
    await store.connect()
    if (seeds) await store.seed(seeds)
  } catch (error) {
    await store.close()
    throw new Error(`startServer({ redis }): cannot use Redis at ${store.options.url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  const snapshot = await store.snapshot()
  const mirror = new WidgetMirror(snapshot.widgets, broadcastType)
  let fanOut: StreamFanOut | undefined
  return {
    store,
    mirror,
    startSeq: snapshot.seq,
    requestHandlers: [
      ['SYNC', createRedisSyncHandler(store, broadcastType)],
      ['GET_WIDGETS', createRedisWidgetsHandler(store)],
    ],
    answerer(partial) {
      const deps: RedisOpDeps = { ...partial, store, broadcastType }
      return (socket, op, kind) => (kind ? answerRedisOp(deps, socket, op, kind) : answerRedisGenericOp(deps, socket, op))
    },
    changes: (now, alive) => createServerChanges(store, broadcastType, now, alive),
    listen(deliver, log) {
      const listener = {
        frame(frame: BroadcastFrame) {
          mirror.apply(frame)
          deliver(frame)
        },
        seed: (widgets: WidgetSnapshot[]) => mirror.reset(widgets),
      }
      fanOut = startStreamFanOut(store, snapshot.seq, listener, log)
    },
    async close() {
      fanOut?.stop()
      await store.close()
    },
  }
}
