/**
 * The shared state of several reference server instances, in Redis: the widgets and their
 * versions, the answered op ids, the broadcast `seq` and the broadcasts (one Redis Stream, so any
 * instance can answer `SYNC { since }`). Instances only read here and change it through the
 * scripts of ./scripts, so every change is atomic.
 */
import { Redis, type ChainableCommander } from 'ioredis'
import type { BroadcastFrame, WidgetEntity, WidgetSnapshot, WireMessage } from '../types'
import { APPLY_SCRIPT, BROADCAST_SCRIPT, RESEED_SCRIPT, SEED_SCRIPT } from './scripts'

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
  /**
   * For tests: called right after an op this instance applied is in Redis (its ACK stored with
   * it), before the ACK is handed to the socket. A test crashes the instance there
   * (`server.kill()`) to land between two ops of one flush, with that op's ACK lost.
   * @default undefined
   */
  afterApply?: (opId: string) => void
}

/** One widget as Redis holds it: its version, and its entity (null once deleted). */
export interface StoredWidget {
  readonly version: number
  readonly entity: WidgetEntity | null
}

/** What {@link RedisStore.read} reads: op `opId`'s stored ACK (if any) and the widget as it is now. */
export interface StoredRead {
  readonly ack: WireMessage | undefined
  readonly widget: StoredWidget
}

/** A widget cap the apply script checks. */
export type CapName = 'maxWidgets' | 'maxStateBytes'

/** What {@link RedisStore.apply} did (`refused`: the change would break `limit`, at `value`; nothing changed). */
export type ApplyResult =
  | { readonly kind: 'replay'; readonly ack: WireMessage }
  | { readonly kind: 'stale' }
  | { readonly kind: 'refused'; readonly limit: CapName; readonly value: number }
  | { readonly kind: 'applied'; readonly seq: number }

/** The caps of {@link Change} (Infinity: none). */
export interface StateCaps {
  readonly maxWidgets: number
  readonly maxStateBytes: number
}

/** A change an instance computed from {@link StoredWidget.version}. */
export interface Change {
  /** The op that makes it; undefined for a server-side change (no ACK stored). */
  readonly opId: string | undefined
  readonly widgetId: string
  readonly expectedVersion: number
  /** The entity after the change; null deletes it; undefined changes nothing (only the ACK is stored). */
  readonly entity: WidgetEntity | null | undefined
  /** The ACK stored under `opId` (null for a server-side change). */
  readonly ack: WireMessage | null
  readonly broadcastType: string
  readonly broadcastData: unknown
  readonly ts: number
  /** Checked in the script, with the other instances' changes (none for server-side changes). */
  readonly caps?: StateCaps
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

/** A stream entry's `[field, value, ...]` as `{ field: value }`. */
function fieldsOf(fields: string[]): Record<string, string> {
  const read: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) read[fields[i]!] = fields[i + 1]!
  return read
}

/** A stream entry `[id, [field, value, ...]]` as a broadcast frame. */
export function frameOfEntry([id, fields]: [string, string[]]): BroadcastFrame {
  const read = fieldsOf(fields)
  const frame: BroadcastFrame = { type: read.type!, seq: Number(id.split('-', 1)[0]), ts: Number(read.ts) }
  if (read.data !== undefined) frame.data = JSON.parse(read.data)
  return frame
}

/** Whether stream entry `id` is a broadcast (`<seq>-0`), not a reseed for the mirrors. */
export function isBroadcastEntry(id: string): boolean {
  return id.endsWith('-0')
}

/** The widgets a reseed entry carries. */
export function seedOfEntry([, fields]: [string, string[]]): WidgetSnapshot[] {
  const read = fieldsOf(fields)
  const entities = JSON.parse(read.entities!) as WidgetEntity[]
  const versions = JSON.parse(read.versions!) as number[]
  return entities.map((entity, i) => ({ ...entity, version: versions[i]! }))
}

/** `widgets` as the seed scripts take them: id, entity JSON, id, entity JSON, ... */
function scriptPairs(widgets: ReadonlyMap<string, WidgetEntity>): string[] {
  return [...widgets].flatMap(([id, entity]) => [id, JSON.stringify(entity)])
}

/**
 * The scripts as ioredis commands (`defineCommand`): each is sent whole (EVAL) once per
 * connection and then by its SHA1 (EVALSHA), so an op no longer ships and hashes the apply
 * script's text every time. Redis runs the same script either way.
 */
const SCRIPTS = {
  rtkApply: { numberOfKeys: 6, lua: APPLY_SCRIPT },
  rtkBroadcast: { numberOfKeys: 2, lua: BROADCAST_SCRIPT },
  rtkSeed: { numberOfKeys: 3, lua: SEED_SCRIPT },
  rtkReseed: { numberOfKeys: 5, lua: RESEED_SCRIPT },
} as const

/** A script command: its keys, then its arguments. */
type ScriptCommand = (...keysAndArgs: string[]) => Promise<unknown>

/** A cap as the scripts take it: -1 for none. */
const capArg = (cap: number | undefined): string => (cap === undefined || !Number.isFinite(cap) ? '-1' : String(cap))

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
    for (const [name, definition] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, definition)
  }

  /** Runs one of {@link SCRIPTS} (by EVALSHA once the connection has it). */
  private script(name: keyof typeof SCRIPTS, ...keysAndArgs: string[]): Promise<unknown> {
    return (this.redis as unknown as Record<typeof name, ScriptCommand>)[name](...keysAndArgs)
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

  /** Seeds `widgets` (from `seedEntities`) at version 1 unless some widget ever existed. */
  async seed(widgets: ReadonlyMap<string, WidgetEntity>): Promise<void> {
    const args = scriptPairs(widgets)
    if (args.length > 0) await this.script('rtkSeed', this.key('widgets'), this.key('versions'), this.key('bytes'), ...args)
  }

  /** Replaces every widget with `widgets` (from `seedEntities`; see RESEED_SCRIPT); resolves with their number. */
  async reseed(widgets: ReadonlyMap<string, WidgetEntity>): Promise<number> {
    const args = scriptPairs(widgets)
    const keys = [this.key('widgets'), this.key('versions'), this.key('bytes'), this.key('seq'), this.key('stream')]
    return Number(await this.script('rtkReseed', ...keys, String(this.streamLength), ...args))
  }

  /** Appends one broadcast that changes no widget; resolves with its seq. */
  async broadcast(type: string, data: unknown, ts: number): Promise<number> {
    const json = data === undefined ? undefined : JSON.stringify(data)
    return Number(await this.script('rtkBroadcast', this.key('seq'), this.key('stream'), type, json ?? '', String(this.streamLength), String(ts)))
  }

  /** Stores `ack` as op `opId`'s answer unless one is stored: resolves with the one stored before (a replay), else null. */
  async remember(opId: string, ack: WireMessage): Promise<WireMessage | null> {
    const before = await this.redis.set(this.key(`ack:${opId}`), JSON.stringify(ack), 'PX', this.ttlMs, 'NX', 'GET')
    return before ? (JSON.parse(before) as WireMessage) : null
  }

  /** The stored ACK of op `opId` (if answered and not expired). */
  async storedAck(opId: string): Promise<WireMessage | undefined> {
    const ack = await this.redis.get(this.key(`ack:${opId}`))
    return ack ? (JSON.parse(ack) as WireMessage) : undefined
  }

  /** The stored ACK of op `opId` (if answered and not expired; none without an op), and widget `id` as it is now. */
  async read(opId: string | undefined, id: string): Promise<StoredRead> {
    const [ack, entity, version] = (await results(
      // A server-side change has no op id: an ack key nobody writes reads as nothing.
      this.redis.multi().get(this.key(`ack:${opId ?? ''}`)).hget(this.key('widgets'), id).hget(this.key('versions'), id),
    )) as (string | null)[]
    return {
      ack: ack ? (JSON.parse(ack) as WireMessage) : undefined,
      widget: { version: Number(version ?? 0), entity: entity ? (JSON.parse(entity) as WidgetEntity) : null },
    }
  }

  /** Applies `change` if the widget is still at `change.expectedVersion` (see APPLY_SCRIPT). */
  async apply(change: Change): Promise<ApplyResult> {
    const entity = change.entity === undefined ? '-' : change.entity === null ? '' : JSON.stringify(change.entity)
    const [kind, value] = (await this.script(
      'rtkApply',
      this.key('widgets'),
      this.key('versions'),
      this.key(`ack:${change.opId ?? ''}`),
      this.key('seq'),
      this.key('stream'),
      this.key('bytes'),
      String(change.expectedVersion),
      change.widgetId,
      entity,
      change.ack === null ? '' : JSON.stringify(change.ack),
      String(this.ttlMs),
      change.broadcastType,
      JSON.stringify(change.broadcastData),
      String(this.streamLength),
      String(change.ts),
      capArg(change.caps?.maxWidgets),
      capArg(change.caps?.maxStateBytes),
    )) as [string, string]
    if (kind === 'replay') return { kind, ack: JSON.parse(value) as WireMessage }
    if (kind === 'stale') return { kind }
    if (kind === 'maxWidgets' || kind === 'maxStateBytes') return { kind: 'refused', limit: kind, value: Number(value) }
    return { kind: 'applied', seq: Number(value) }
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
    const frames = (entries as [string, string[]][]).filter(([id]) => isBroadcastEntry(id)).map(frameOfEntry)
    const complete = frames.length === seq - since && (frames.length === 0 || frames[0]!.seq === since + 1)
    return { seq, frames: complete ? frames : null }
  }

  async close(): Promise<void> {
    this.redis.disconnect()
  }
}
