/**
 * The shared state of several reference server instances, in Redis: the widgets and their
 * versions, the answered op ids, the broadcast `seq` and the broadcasts (one Redis Stream, so any
 * instance can answer `SYNC { since }`). Instances only read here and change it through the
 * scripts of ./scripts, so every change is atomic.
 */
import { Redis, type ChainableCommander } from 'ioredis'
import type { BroadcastFrame, WidgetEntity, WidgetSeed, WidgetSnapshot, WireMessage } from '../types'
import { cleanFields } from '../widgets'
import { APPLY_SCRIPT, SEED_SCRIPT } from './scripts'

/** How to reach the shared state (`startServer({ redis })`). */
export interface RedisOptions {
  /** A Redis URL, e.g. `redis://127.0.0.1:6379`. */
  url: string
  /** Prefix of every key, so several deployments (or tests) share one Redis. @default 'rtk-realtime:' */
  prefix?: string
  /**
   * How long an answered op id (and its ACK) is remembered, in ms: at least as long as a client
   * keeps an op in its outbox, so a replay after any reconnect, on any instance, gets the same
   * ACK and is not applied twice. @default 604800000 (7 days)
   */
  answeredTtlMs?: number
  /** How many broadcasts the stream keeps for `SYNC { since }` (approximately). @default 10000 */
  streamLength?: number
}

/** One widget as Redis holds it: its version, and its entity (null once deleted). */
export interface StoredWidget {
  readonly version: number
  readonly entity: WidgetEntity | null
}

/** What {@link RedisStore.apply} did. */
export type ApplyResult = { readonly kind: 'replay'; readonly ack: WireMessage } | { readonly kind: 'stale' } | { readonly kind: 'applied'; readonly seq: number }

/** A change an instance computed from {@link StoredWidget.version}. */
export interface Change {
  readonly opId: string
  readonly widgetId: string
  readonly expectedVersion: number
  /** The entity after the change; null deletes it; undefined changes nothing (only the ACK is stored). */
  readonly entity: WidgetEntity | null | undefined
  readonly ack: WireMessage
  readonly broadcastType: string
  readonly broadcastData: unknown
  readonly ts: number
}

/** The broadcasts after `since`, or null when the stream no longer reaches back to it. */
export interface StreamRead {
  readonly seq: number
  readonly frames: BroadcastFrame[] | null
}

/** The replies of a MULTI, in order; throws the first error among them. */
async function results(multi: ChainableCommander): Promise<unknown[]> {
  const replies = (await multi.exec()) ?? []
  return replies.map(([error, value]) => {
    if (error) throw error
    return value
  })
}

const DEFAULT_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** A stream entry `[id, [field, value, ...]]` as a broadcast frame. */
export function frameOfEntry([id, fields]: [string, string[]]): BroadcastFrame {
  const read: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) read[fields[i]!] = fields[i + 1]!
  return { type: read.type!, data: JSON.parse(read.data!), seq: Number(id.split('-', 1)[0]), ts: Number(read.ts) }
}

/** Opens the shared state at `options.url`. Call {@link RedisStore.close} when done. */
export class RedisStore {
  readonly redis: Redis
  private readonly key: (name: string) => string
  readonly ttlMs: number
  private readonly streamLength: number

  constructor(readonly options: RedisOptions) {
    if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
      throw new TypeError(`startServer({ redis }): redis.url must be a redis:// URL, got ${String(options.url)}`)
    }
    const prefix = options.prefix ?? 'rtk-realtime:'
    this.key = (name) => `${prefix}${name}`
    this.ttlMs = options.answeredTtlMs ?? DEFAULT_TTL_MS
    this.streamLength = options.streamLength ?? 10_000
    // A lost connection is retried, and commands wait for it: a Redis restart is an outage, not a crash.
    this.redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: null })
    this.redis.on('error', () => {})
  }

  /** The stream key (the fan-out reads it). */
  get streamKey(): string {
    return this.key('stream')
  }

  async connect(): Promise<void> {
    await this.redis.connect()
  }

  /** A second connection for blocking reads (XREAD BLOCK holds its connection). */
  duplicate(): Redis {
    const connection = this.redis.duplicate()
    connection.on('error', () => {})
    return connection
  }

  /** Seeds `widgets` at version 1 unless some widget ever existed. */
  async seed(widgets: Iterable<WidgetSeed>): Promise<void> {
    const args: string[] = []
    for (const widget of widgets) args.push(widget.id, JSON.stringify({ ...cleanFields(widget), id: widget.id }))
    if (args.length > 0) await this.redis.eval(SEED_SCRIPT, 2, this.key('widgets'), this.key('versions'), ...args)
  }

  /** The stored ACK of op `opId` (if answered and not expired), and widget `id` as it is now. */
  async read(opId: string, id: string): Promise<{ ack: WireMessage | undefined; widget: StoredWidget }> {
    const [ack, entity, version] = (await results(
      this.redis.multi().get(this.key(`ack:${opId}`)).hget(this.key('widgets'), id).hget(this.key('versions'), id),
    )) as (string | null)[]
    return {
      ack: ack ? (JSON.parse(ack) as WireMessage) : undefined,
      widget: { version: Number(version ?? 0), entity: entity ? (JSON.parse(entity) as WidgetEntity) : null },
    }
  }

  /** Applies `change` if the widget is still at `change.expectedVersion` (see APPLY_SCRIPT). */
  async apply(change: Change): Promise<ApplyResult> {
    const entity = change.entity === undefined ? '-' : change.entity === null ? '' : JSON.stringify(change.entity)
    const [kind, value] = (await this.redis.eval(
      APPLY_SCRIPT,
      5,
      this.key('widgets'),
      this.key('versions'),
      this.key(`ack:${change.opId}`),
      this.key('seq'),
      this.key('stream'),
      String(change.expectedVersion),
      change.widgetId,
      entity,
      JSON.stringify(change.ack),
      String(this.ttlMs),
      change.broadcastType,
      JSON.stringify(change.broadcastData),
      String(this.streamLength),
      String(change.ts),
    )) as [string, string]
    if (kind === 'replay') return { kind, ack: JSON.parse(value) as WireMessage }
    if (kind === 'stale') return { kind }
    return { kind: 'applied', seq: Number(value) }
  }

  /** The last broadcast's seq. */
  async seq(): Promise<number> {
    return Number((await this.redis.get(this.key('seq'))) ?? 0)
  }

  /** Every live widget as `{ ...entity, version }`, and the seq they are as of (one atomic read). */
  async snapshot(): Promise<{ seq: number; widgets: WidgetSnapshot[] }> {
    const [seq, entities, versions] = await results(
      this.redis.multi().get(this.key('seq')).hgetall(this.key('widgets')).hgetall(this.key('versions')),
    )
    const byId = entities as Record<string, string>
    const versionOf = versions as Record<string, string>
    const widgets = Object.keys(byId)
      .sort()
      .map((id) => ({ ...(JSON.parse(byId[id]!) as WidgetEntity), version: Number(versionOf[id] ?? 1) }))
    return { seq: Number((seq as string | null) ?? 0), widgets }
  }

  /** The broadcasts numbered after `since` from the stream (frames null when it was trimmed past `since`). */
  async since(since: number): Promise<StreamRead> {
    const [seqText, entries] = await results(this.redis.multi().get(this.key('seq')).xrange(this.key('stream'), `${since + 1}-0`, '+'))
    const seq = Number((seqText as string | null) ?? 0)
    if (since > seq) return { seq, frames: null }
    const frames = (entries as [string, string[]][]).map(frameOfEntry)
    const complete = frames.length === seq - since && (frames.length === 0 || frames[0]!.seq === since + 1)
    return { seq, frames: complete ? frames : null }
  }

  async close(): Promise<void> {
    this.redis.disconnect()
  }
}
