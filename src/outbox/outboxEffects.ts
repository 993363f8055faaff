import { createListenerMiddleware, type Middleware, type MiddlewareAPI, type UnknownAction } from '@reduxjs/toolkit'
import type { RealtimeState } from '../createRealtimeReducer'
import type { CompiledMutation } from '../optimistic/defineMutations'
import { opById } from '../optimistic/opLookup'
import type { Op } from '../optimistic/types'
import { bucketGet, bucketValues } from '../util/buckets'
import type { Logger } from '../world/logger'
import { lanesDiff } from './lanesDiff'
import type { OutboxActions, PersistedBase, SetAsideRecord } from './outboxActions'
import { createOwnerLocks, type LockManagerLike } from './ownerLocks'
import { decodeRecord, isPersisted, persistedOpOf, RECORD_VERSION, type MigrateRecord, type PersistedRecord } from './persistedRecord'
import { classifyStorageError, type StorageOperation } from './storage/classifyStorageError'
import type { OutboxStorage, StoredEntry } from './storage/OutboxStorage'
import { createWriteQueue } from './writeQueue'

/** What the outbox effects need from the instance; fixed at creation. */
export interface OutboxEffectsOptions {
  reducerPath: string
  storage: OutboxStorage
  actions: OutboxActions
  mutations: ReadonlyMap<string, CompiledMutation>
  selectState: (rootState: unknown) => RealtimeState
  migrate: MigrateRecord | undefined
  locks: LockManagerLike | null | undefined
  /** Makes this page's owner id. */
  generateId: () => string
  now: () => number
  logger: Logger
}

/** What one store's outbox effects add to the realtime middleware. */
export interface OutboxEffects {
  middleware: Middleware
  /** Opens the configured namespace's outbox: called once, when the store starts. */
  start(api: MiddlewareAPI, namespace: string): void
  /** Stops listening (`dispose()`): writes already issued finish; nothing new is written or read. */
  stop(): void
}

const isThenable = <T>(value: unknown): value is PromiseLike<T> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'

/**
 * The persisted outbox, as listener-middleware effects of one store (DESIGN.md invariant 6).
 * Storage is a projection of the lanes: every change of them is written through, op by op (put
 * or delete one record), in the same dispatch, so a synchronous storage holds an op before the
 * user's dispatch returns. `openOutbox` reads a namespace back (set aside what cannot be read,
 * take over the ops of pages that are gone) and `clearOutbox` empties it. Failures become
 * `storageFailed` actions; nothing here throws into a dispatch.
 */
export function createOutboxEffects(options: OutboxEffectsOptions): OutboxEffects {
  const { storage, actions, selectState, reducerPath } = options
  const listener = createListenerMiddleware({
    onError: (error) => options.logger.error(`rtk-realtime: an outbox effect failed: ${error instanceof Error ? error.message : String(error)}`),
  })
  const owner = options.generateId()
  const space = (namespace: string) => `${reducerPath}:${namespace}`
  // An op's place in the outbox across keys and reloads: written once, kept while it is pending.
  // Numbered from the clock (µs), so ops of this page load come after those of earlier ones even
  // when they are made before the earlier ones are read back.
  const orders = new Map<string, number>()
  let nextOrder = options.now() * 1000
  // Ops whose last write failed: written again once storage works again.
  const unsaved = new Set<string>()
  let failing = false
  let dispatch: (action: UnknownAction) => unknown = () => {}
  let getState: () => unknown = () => undefined
  const lockFor = new Map<string, ReturnType<typeof createOwnerLocks>>()
  // Closers of the channels each opened namespace meets other pages on (closed by `stop`).
  const peerChannels: Array<() => void> = []
  const locksOf = (namespace: string) => lockFor.get(namespace) ?? lockFor.set(namespace, createOwnerLocks(space(namespace), options.locks)).get(namespace)!

  const queue = createWriteQueue({
    ok() {
      if (!failing) return
      failing = false
      dispatch(actions.storageRecovered())
      rewriteUnsaved()
    },
    failed(thrown, opId) {
      if (opId !== undefined) unsaved.add(opId)
      failing = true
      dispatch(actions.storageFailed({ error: classifyStorageError(thrown, storage.name, 'write'), ...(opId === undefined ? {} : { opId }), at: options.now() }))
    },
  })

  function recordOf(op: Op, base: PersistedRecord['base']): PersistedRecord {
    let order = orders.get(op.opId)
    if (order === undefined) orders.set(op.opId, (order = nextOrder++))
    return { v: RECORD_VERSION, order, owner, op: persistedOpOf(op), base }
  }

  function put(namespace: string, op: Op, state: RealtimeState, base = baseOf(state, op)): void {
    unsaved.delete(op.opId)
    let text: string
    try {
      text = JSON.stringify(recordOf(op, base))
    } catch (thrown) {
      // Args the store holds are serializable by contract; one that is not cannot be persisted.
      return void dispatch(actions.storageFailed({ error: { ...classifyStorageError(thrown, storage.name, 'write'), code: 'STORAGE_FAILED' }, opId: op.opId, at: options.now() }))
    }
    queue.run(op.opId, op.opId, () => storage.set(space(namespace), op.opId, text))
  }

  function remove(namespace: string, opId: string): void {
    orders.delete(opId)
    // A failed delete is done again once storage works (failed() puts it back in `unsaved`).
    unsaved.delete(opId)
    queue.run(opId, opId, () => storage.delete(space(namespace), opId))
  }

  function rewriteUnsaved(): void {
    const state = selectState(getState())
    const namespace = state.outbox.namespace
    if (namespace === null) return
    for (const opId of [...unsaved]) {
      const op = opById(state.optimistic, opId)
      // Still pending: write it; gone meanwhile (or its delete failed): make sure its record is gone.
      if (op && isPersisted(op)) put(namespace, op, state)
      else remove(namespace, opId)
    }
  }

  const skip = new Set<string>([actions.openOutbox.type, actions.clearOutbox.type, actions.outboxRehydrated.type])
  listener.startListening({
    predicate: (action, current, previous) => {
      if (skip.has(action.type)) return false
      const now = selectState(current)
      const was = selectState(previous)
      // The lanes changed, or an entity under pending ops may have (its stored base follows it).
      return now.optimistic.lanes !== was.optimistic.lanes || (now.optimistic.count > 0 && now.collections !== was.collections)
    },
    effect(_action, api) {
      const state = selectState(api.getState())
      const namespace = state.outbox.namespace
      if (state.outbox.status === 'off' || namespace === null) return
      const before = selectState(api.getOriginalState())
      const { put: puts, remove: removes } = lanesDiff(before.optimistic.lanes, state.optimistic.lanes)
      if (before.collections !== state.collections) puts.push(...movedBases(before, state, puts))
      for (const op of puts) put(namespace, op, state)
      for (const opId of removes) remove(namespace, opId)
    },
  })

  listener.startListening({
    actionCreator: actions.clearOutbox,
    effect(_action, api) {
      const namespace = selectState(api.getOriginalState()).outbox.namespace
      if (namespace === null) return
      orders.clear()
      unsaved.clear()
      queue.barrier(`clear:${namespace}`, () => storage.clear(space(namespace)))
    },
  })

  listener.startListening({
    actionCreator: actions.openOutbox,
    async effect(action, api) {
      const { namespace } = action.payload
      if (selectState(api.getState()).outbox.status === 'off') return
      locksOf(namespace).hold(owner)
      const { foreignOwners, ...read } = await readBack(namespace, (entryOwner) => entryOwner === owner)
      if (selectState(api.getState()).outbox.namespace !== namespace) return
      api.dispatch(actions.outboxRehydrated({ namespace, ...read, at: options.now() }))
      // Each page's ops are delivered by that page: take them over only once it is gone.
      const peers = new Set<string>()
      const adoptFrom = (peer: string) => {
        if (peers.has(peer) || peer === owner) return
        peers.add(peer)
        locksOf(namespace).whenGone(peer, () => adopt(namespace, peer))
      }
      for (const peer of foreignOwners) adoptFrom(peer)
      peerChannels.push(locksOf(namespace).meetPeers(owner, adoptFrom))
    },
  })

  /** Reads a namespace back; ops of other live owners stay theirs (`foreignOwners`). */
  async function readBack(namespace: string, mine: (owner: string) => boolean, only?: string) {
    const result = { ops: [] as Op[], bases: [] as PersistedBase[], setAside: [] as SetAsideRecord[], foreignOwners: [] as string[] }
    let entries: StoredEntry[]
    try {
      const got = storage.getAll(space(namespace))
      entries = isThenable<StoredEntry[]>(got) ? await got : got
    } catch (thrown) {
      return { ...result, error: classifyStorageError(thrown, storage.name, 'read' satisfies StorageOperation) }
    }
    const found: Array<{ op: Op; base: PersistedBase | null; order: number; owner: string }> = []
    const gone = new Set<string>()
    const at = options.now()
    for (const { key, value } of entries) {
      const decoded = decodeRecord(key, value, options.mutations, options.migrate)
      if ('reason' in decoded) {
        if (only === undefined) setAside(namespace, key, value, decoded.reason, at, result.setAside)
        continue
      }
      if (only !== undefined ? decoded.owner !== only : !mine(decoded.owner) && !(await isGone(namespace, decoded.owner, result.foreignOwners, gone))) continue
      found.push(decoded)
    }
    found.sort((a, b) => a.order - b.order)
    const readIds = new Set<string>()
    for (const { op, base, order } of found) {
      orders.set(op.opId, order)
      readIds.add(op.opId)
      nextOrder = Math.max(nextOrder, order + 1)
      result.ops.push(op)
      if (base) result.bases.push(base)
    }
    // Ops made while the outbox was read back are younger than every op read: numbered after them.
    const younger = [...orders].filter(([opId, order]) => !readIds.has(opId) && order < nextOrder).sort((a, b) => a[1] - b[1])
    if (younger.length > 0) {
      const state = selectState(getState())
      for (const [opId] of younger) {
        orders.set(opId, nextOrder++)
        const op = opById(state.optimistic, opId)
        if (op && isPersisted(op)) put(namespace, op, state)
      }
    }
    // Taken over: from now on written as this page's (only owner locks tell pages apart).
    if (options.locks) {
      const state = selectState(getState())
      for (const { op, base, owner: was } of found) {
        if (was !== owner) put(namespace, op, state, base && { confirmed: base.confirmed, version: base.version })
      }
    }
    return result
  }

  // Without owner locks every owner counts as gone; with them, one whose page is alive keeps its
  // ops (it is watched, and its ops are taken over when it closes).
  async function isGone(namespace: string, entryOwner: string, foreign: string[], gone: Set<string>): Promise<boolean> {
    if (!options.locks || gone.has(entryOwner)) return true
    if (foreign.includes(entryOwner)) return false
    if (!(await locksOf(namespace).isAlive(entryOwner))) return gone.add(entryOwner), true
    foreign.push(entryOwner)
    return false
  }

  async function adopt(namespace: string, peer: string): Promise<void> {
    const read = await readBack(namespace, () => false, peer)
    if (selectState(getState()).outbox.namespace !== namespace || read.ops.length === 0) return
    dispatch(actions.outboxRehydrated({ namespace, ops: read.ops, bases: read.bases, setAside: [], at: options.now() }))
  }

  function setAside(namespace: string, key: string, value: string, reason: string, at: number, into: SetAsideRecord[]): void {
    into.push({ key, reason, at })
    options.logger.warn(`rtk-realtime: outbox record "${key}" in "${space(namespace)}" could not be read (${reason}); it was set aside in "${space(namespace)}:set-aside"`)
    // Kept, never deleted: moved beside the outbox with the reason, so nobody loses data silently.
    queue.run(key, undefined, () => storage.set(`${space(namespace)}:set-aside`, key, JSON.stringify({ reason, at, value })))
    queue.run(key, undefined, () => storage.delete(space(namespace), key))
  }

  return {
    middleware: (api) => {
      dispatch = api.dispatch
      getState = api.getState
      return listener.middleware(api)
    },
    start(api, namespace) {
      api.dispatch(actions.openOutbox(namespace))
    },
    stop() {
      listener.clearListeners()
      for (const close of peerChannels.splice(0)) close()
    },
  }
}

/**
 * The persisted ops (not already being written) whose entity's confirmed value moved under them:
 * their records carry that value as their base, so they are written again. Bounded by the pending
 * ops (`MAX_PENDING`), and only when the collections changed.
 */
function movedBases(before: RealtimeState, after: RealtimeState, writing: readonly Op[]): Op[] {
  const moved: Op[] = []
  for (const lane of bucketValues(after.optimistic.lanes)) {
    const { collection, key } = lane[0]!
    const was = before.collections[collection]?.entities
    const now = after.collections[collection]?.entities
    if (!was || !now || was === now) continue
    const a = bucketGet(was, key)
    const b = bucketGet(now, key)
    if (a === b || (a?.confirmed === b?.confirmed && a?.version === b?.version)) continue
    for (const op of lane) if (isPersisted(op) && !writing.includes(op)) moved.push(op)
  }
  return moved
}

// The confirmed entity the op stands on: a reload shows the same view before the server answers.
function baseOf(state: RealtimeState, op: Op): { confirmed: unknown; version: number } | null {
  const entities = state.collections[op.collection]?.entities
  const record = entities && bucketGet(entities, op.key)
  return record && record.version > 0 ? { confirmed: record.confirmed, version: record.version } : null
}
