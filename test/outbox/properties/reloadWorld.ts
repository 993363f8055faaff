/**
 * The world of reload.property.test.ts: pages (stores) that come and go on one storage, the rude
 * server they all talk to (test/optimistic/properties/rudeServer.ts, which keeps its state across
 * pages as a real server does), a storage that can be made to fail, and the ledger that follows
 * every op the user made through every page.
 *
 * A page that is thrown away is dead for good, as a page after a reload is: its timers never fire
 * again, its sockets are cut off (no close frame reaches it, nothing it writes reaches the server)
 * and it cannot write to storage any more. Nothing it held in memory survives; only storage and
 * the server do.
 */
import type { UnknownAction } from '@reduxjs/toolkit'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import type { Op, Rollback } from '../../../src/optimistic/types'
import type { LockManagerLike } from '../../../src/outbox/ownerLocks'
import type { OutboxStorage, StoredEntry } from '../../../src/outbox/storage/OutboxStorage'
import type { Logger } from '../../../src/world/logger'
import type { TimerProvider } from '../../../src/world/timers'
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore, widgetOptions, type Widget } from '../../support/widgets'
import { firstNonPlain } from '../../optimistic/properties/checks'
import { deepEqual, fold } from '../../optimistic/properties/model'
import { KEYS, RudeServer, WireSocket } from '../../optimistic/properties/rudeServer'

export { KEYS }

/** The storage namespace of the default outbox at `realtime`. */
export const NS = 'realtime:default'
/** optimistic.TIMEOUT of the runs. */
export const TIMEOUT = 1000
/** updates.BATCH_DELAY: the inbound batch window and the outbound window of `outbound.batch`. */
export const WINDOW = 50
/** The debounce window of `slideValue`. */
export const DEBOUNCE = 100

/** The mutations of the runs: the widgets' two, and a compacting and a debounced "set value". */
export type MutationName = 'updateWidget' | 'renameWidget' | 'compactValue' | 'slideValue' | 'manualValue'
const setValue = (widget: Widget | null, args: { id: string; value: number }) => {
  if (widget) widget.value = args.value
}
export const reloadMutations = {
  updateWidget: widgetOptions.mutations.updateWidget,
  renameWidget: widgetOptions.mutations.renameWidget,
  compactValue: { collection: 'widgets', message: 'WIDGET_UPDATE', compact: true, apply: setValue },
  slideValue: { collection: 'widgets', message: 'WIDGET_UPDATE', debounce: DEBOUNCE, apply: setValue },
  /** Delivered by the user over "HTTP" (README "Manual mode"), confirmed with `confirm(opId, { version, value })`. */
  manualValue: { collection: 'widgets', message: 'WIDGET_UPDATE', transport: 'manual', apply: setValue },
} as const
/** What each mutation does, in the reference model's terms (test/optimistic/properties/model.ts). */
const AS_MODEL: Record<string, 'updateWidget' | 'renameWidget'> = {
  updateWidget: 'updateWidget', renameWidget: 'renameWidget', compactValue: 'updateWidget', slideValue: 'updateWidget', manualValue: 'updateWidget',
}

/** Statuses whose ops the README says are persisted ("acked ops and ops in doubt are not stored"). */
export const isPersistable = (op: Op) => op.status === 'queued' || op.status === 'sent' || op.status === 'manual'

/** Every op of the lanes (those in doubt included), by opId. */
export function rawOpsOf(state: RealtimeState): Map<string, Op> {
  const ops = new Map<string, Op>()
  for (const bucket of Object.values(state.optimistic.lanes)) for (const lane of Object.values(bucket)) for (const op of lane) ops.set(op.opId, op)
  return ops
}
/** The lane of a key (ops in doubt included), oldest first. */
export function rawLane(state: RealtimeState, key: string): Op[] {
  for (const bucket of Object.values(state.optimistic.lanes)) {
    const lane = bucket[`widgets/${key}`]
    if (lane) return lane
  }
  return []
}

/** Invariant 1 with the runs' mutations: a key's view is its pending ops (lane order) applied to its confirmed value. */
export function rebased(state: RealtimeState, key: string, entity: { confirmed: unknown; view: unknown } | undefined): string | null {
  const pending = rawLane(state, key).filter((op) => op.status !== 'doubt')
  if (!entity) return pending.length === 0 ? null : `${key} has pending ops but no entity record`
  const expected = fold(entity.confirmed as Widget | null, pending.map((op) => ({ ...op, mutation: AS_MODEL[op.mutation] ?? op.mutation })))
  return deepEqual(entity.view, expected)
    ? null
    : `view of ${key} is ${JSON.stringify(entity.view)}, but its pending ops ${pending.map((op) => `${op.opId}:${op.mutation}${JSON.stringify(op.args)}`).join(', ')} applied to confirmed ${JSON.stringify(entity.confirmed)} give ${JSON.stringify(expected)}`
}

// ---------------------------------------------------------------------------------------------
// Storage

/** A stored record, read back by the test (README "The persisted outbox": `{ v: 1, order, owner, op, base }`). */
export interface StoredRecord {
  v: number
  order: number
  owner: string
  op: { opId: string; mutation: string; collection: string; key: string; args: unknown; baseVersion: number; attempts: number; retries?: number; protectedFields?: string[] }
  base: { confirmed: unknown; version: number } | null
}

export function readStored(storage: OutboxStorage): Map<string, StoredRecord> {
  const entries = storage.getAll(NS) as StoredEntry[]
  return new Map(entries.map((e) => [e.key, JSON.parse(e.value) as StoredRecord]))
}

/** Whether a stored record replays as the op: the fields a replay and a rehydration depend on. */
export function recordDiffers(record: StoredRecord, op: Op): string | null {
  const r = record.op
  const fields: Array<[string, unknown, unknown]> = [
    ['v', record.v, 1], ['opId', r.opId, op.opId], ['mutation', r.mutation, op.mutation], ['key', r.key, op.key],
    ['args', r.args, op.args], ['baseVersion', r.baseVersion, op.baseVersion], ['attempts', r.attempts, op.attempts],
    ['retries', r.retries ?? 0, op.retries ?? 0], ['protectedFields', r.protectedFields ?? [], op.protectedFields ?? []],
  ]
  const wrong = fields.filter(([, a, b]) => !deepEqual(a, b))
  return wrong.length === 0 ? null : wrong.map(([f, a, b]) => `${f} ${JSON.stringify(a)} (in memory ${JSON.stringify(b)})`).join(', ')
}

/** `set`/`delete` throw a QuotaExceededError while `failing`, as `pattern` (cycled) says, call by call. */
export class FlakyStorage implements OutboxStorage {
  readonly name = 'flaky'
  failing = false
  private cursor = 0
  /** Every write call, in order: which, the key, whether it threw, the page it came from. */
  readonly writes: Array<{ kind: 'set' | 'delete'; key: string; threw: boolean; page: number }> = []

  constructor(
    readonly inner: OutboxStorage,
    readonly pattern: readonly boolean[],
    /** Deletes fail too (the brief's "set/delete throws"); see the file comment of the test. */
    readonly failDeletes: boolean,
    readonly pageNumber: () => number,
  ) {}

  getAll(namespace: string) {
    return this.inner.getAll(namespace)
  }
  set(namespace: string, key: string, value: string) {
    this.write('set', key)
    return this.inner.set(namespace, key, value)
  }
  delete(namespace: string, key: string) {
    if (this.failDeletes) this.write('delete', key)
    else this.writes.push({ kind: 'delete', key, threw: false, page: this.pageNumber() })
    return this.inner.delete(namespace, key)
  }
  clear(namespace: string) {
    return this.inner.clear(namespace)
  }

  private write(kind: 'set' | 'delete', key: string): void {
    const threw = this.failing && this.pattern[this.cursor++ % this.pattern.length] === true
    this.writes.push({ kind, key, threw, page: this.pageNumber() })
    if (threw) throw new DOMException(`the quota has been exceeded (${kind} ${key})`, 'QuotaExceededError')
  }
}

/** How a page reads the outbox back: at once, or after `delay` ms (seeing storage as it was at the call, or at the answer). */
export interface ReadMode {
  delay: number
  sees: 'call' | 'answer'
}

// ---------------------------------------------------------------------------------------------
// Pages

/**
 * Web Locks as the outbox uses them (README "Two pages of one user"), shared by every page of a
 * run: a page holds the lock named after itself while it lives (its first request for a name makes
 * it that lock's holder); a request for another page's lock is granted once that page is gone.
 */
export class FakeLocks {
  private readonly holders = new Map<string, Page>()
  requests = 0

  forPage(page: Page): LockManagerLike {
    const holders = this.holders
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the object's methods below have a `this` of their own
    const locks = this
    return {
      request(name: string, a: unknown, b?: unknown): Promise<unknown> {
        locks.requests++
        const callback = (typeof a === 'function' ? a : b) as (lock: unknown) => unknown
        const holder = holders.get(name)
        if (!holder) {
          holders.set(name, page)
          void Promise.resolve().then(() => callback({ name }))
          return page.gone
        }
        return holder.gone.then(() => callback({ name }))
      },
    }
  }
}

export interface PageOptions {
  number: number
  storage: OutboxStorage
  read: ReadMode
  strategy: 'REMOTE_WINS' | 'LOCAL_WINS' | 'MERGE'
  transport: 'socket' | 'batch'
  batchMode: 'auto' | 'window' | 'off'
  generateId: () => string
  /** Web Locks shared by the pages, or none (Node: every stored op is the reader's). */
  locks: FakeLocks | null
  log: (line: string) => void
  /** logger.error of the live page. */
  onError: (message: string) => void
}

export type WidgetTestStore = ReturnType<typeof createWidgetStore>
type MutationCreator = (args: Record<string, unknown>) => UnknownAction & { payload: { opId: string } }

/** One page load: a store on the shared storage, its sockets, and what the ledger saw of it. */
export class Page {
  alive = true
  readonly number: number
  readonly sockets: FakeWebSocket[] = []
  readonly t: WidgetTestStore
  /** Storage writes attempted after the page was thrown away (dropped: the page is gone). */
  deadWrites = 0
  // --- the ledger's view of this page
  raw = new Map<string, Op>()
  lastOptimistic: unknown = undefined
  readonly records = new Map<string, Rollback>()
  readonly confirmed = new Set<string>()
  /** Ops made by the user on this page (not read back from storage). */
  readonly madeHere = new Set<string>()
  /** opIds named by a `storageFailed` of this page. */
  readonly failedWrites = new Set<string>()
  unsubscribe: () => void = () => {}
  /** Settles when the page is thrown away (its Web Lock is released). */
  readonly gone: Promise<void>
  private release: () => void = () => {}

  constructor(options: PageOptions) {
    this.number = options.number
    this.gone = new Promise<void>((resolve) => (this.release = resolve))
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the object's methods below have a `this` of their own
    const page = this
    const timers: TimerProvider = {
      setTimeout: (callback, ms) => (page.alive ? globalThis.setTimeout(() => page.alive && callback(), ms) : undefined),
      clearTimeout: (handle) => handle !== undefined && globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
      now: () => Date.now(),
    }
    const inner = options.storage
    const { delay, sees } = options.read
    const storage: OutboxStorage = {
      name: inner.name,
      getAll(namespace) {
        if (delay === 0) return inner.getAll(namespace)
        const early = sees === 'call' ? inner.getAll(namespace) : undefined
        return new Promise<StoredEntry[]>((resolve) => globalThis.setTimeout(() => resolve(early ?? inner.getAll(namespace)), delay))
      },
      set(namespace, key, value) {
        if (!page.alive) return void page.deadWrites++
        return inner.set(namespace, key, value)
      },
      delete(namespace, key) {
        if (!page.alive) return void page.deadWrites++
        return inner.delete(namespace, key)
      },
      clear(namespace) {
        if (!page.alive) return void page.deadWrites++
        return inner.clear(namespace)
      },
    }
    const Socket = class PageSocket extends WireSocket {
      constructor(url: string) {
        super(url)
        page.sockets.push(this)
      }
    }
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (message) => options.log(`page ${page.number} logger.warn: ${message}`),
      error: (message) => (page.alive ? options.onError(`page ${page.number}: ${message}`) : options.log(`dead page ${page.number} logger.error: ${message}`)),
    }
    this.t = createWidgetStore({
      WebSocket: Socket,
      logger,
      timers,
      generateId: options.generateId,
      storage,
      outbox: { locks: options.locks ? options.locks.forPage(this) : false },
      mutations: reloadMutations,
      ...(options.transport === 'batch' ? { outbound: { batch: true } } : {}),
      config: {
        optimistic: { CONFLICT_RESOLUTION: options.strategy, TIMEOUT },
        websocket: { RECONNECT_DELAY: 100, RECONNECT_MAX_DELAY: 400, RECONNECT_ATTEMPTS: 1000 },
        backgroundSync: { RETRY_DELAY: 100, RETRY_MAX_DELAY: 400 },
        updates: { BATCH_DELAY: WINDOW, BATCH_MODE: options.batchMode },
      },
    } as Parameters<typeof createWidgetStore>[0])
  }

  state(): RealtimeState {
    return this.t.store.getState().realtime
  }
  dispatch(action: UnknownAction): unknown {
    return this.t.store.dispatch(action)
  }
  mutation(name: MutationName): MutationCreator {
    return (this.t.realtime.actions as unknown as Record<MutationName, MutationCreator>)[name]
  }
  /** The page's newest socket, while the client is still waiting for it to open. */
  connecting(): FakeWebSocket | undefined {
    const socket = this.sockets.at(-1)
    return socket && socket.readyState === FakeWebSocket.CONNECTING && !socket.closedByClient ? socket : undefined
  }

  /** The page is gone (a reload): no timer of it fires again, no socket event reaches it, it writes nothing. */
  kill(): void {
    if (!this.alive) return
    this.alive = false
    this.release()
    this.unsubscribe()
    for (const socket of this.sockets) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The server side of a page going away

/**
 * The server loses the connection without a close frame (the page is gone, or the client gave the
 * socket up itself): with `serverRead` it applies what it had read of that socket first (its answers
 * are lost with it), else that never reached it. The client hears nothing of it.
 */
export function loseConnection(server: RudeServer, sockets: readonly FakeWebSocket[], serverRead: boolean): void {
  for (const socket of sockets) socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null
  server.drop(serverRead)
}

export { RudeServer, WireSocket }

/** Whether a rollback record is plain data with a readable reason (invariant 4: "a serializable reason"). */
export function recordIsSerializable(record: Rollback): string | null {
  const bad = firstNonPlain(record)
  if (bad) return `its ${bad} is not plain data`
  if (typeof record.reason?.code !== 'string' || typeof record.reason.message !== 'string') return `its reason ${JSON.stringify(record.reason)} has no code and message`
  return null
}
