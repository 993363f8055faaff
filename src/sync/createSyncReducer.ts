import type { UnknownAction } from '@reduxjs/toolkit'
import type { SyncActions } from './syncActions'
import type { CollectionSyncState, StaleReason, SyncState, SyncStatus } from './types'

/** What the sync reducer needs; fixed when the instance is created. */
export interface SyncReducerOptions {
  actions: SyncActions
  /** Every declared collection. */
  collections: readonly string[]
  /**
   * Collections kept up to date over the socket with no SYNC to load them (`sync: false`, no
   * `load`): they count as `ready` once the socket opens, the best the package can know.
   */
  unsyncedSocketCollections: readonly string[]
  /** The connection's `opened`, `online` and `offline` action types. */
  opened: string
  online: string
  offline: string
}

const LOADING: CollectionSyncState = { status: 'loading', syncedAt: null, staleReason: null, syncing: false, error: null }

function initialSyncState(collections: readonly string[]): SyncState {
  const byName: Record<string, CollectionSyncState> = {}
  for (const name of collections) byName[name] = LOADING
  return { status: 'idle', lastSyncAt: null, lastError: null, lastReason: null, seq: null, collections: byName, entities: [] }
}

// Offline wins; then a running sync; then a failure not yet made good.
function statusOf(state: SyncState, online: boolean): SyncStatus {
  if (!online) return 'offline'
  const all = Object.values(state.collections)
  if (all.some((c) => c.syncing)) return 'syncing'
  return all.some((c) => c.error !== null) ? 'error' : 'idle'
}

type Patch = (current: CollectionSyncState) => CollectionSyncState

/**
 * The `sync` sub-slice: pure, no timers. It records what the sync saga reports (started, results,
 * failures, staleness) and what the user asks (`refresh`, `refreshWidget`); the status follows
 * from the collections' states and the connection's `online`/`offline` actions. Returns the same
 * state object when nothing changed.
 */
export function createSyncReducer(options: SyncReducerOptions) {
  const { actions, collections } = options
  const initial = initialSyncState(collections)

  // A new state with `patch` applied to `names` (declared ones only), and the status recomputed.
  function update(state: SyncState, names: readonly string[], patch: Patch, rest: Partial<SyncState> = {}): SyncState {
    const next: Record<string, CollectionSyncState> = { ...state.collections }
    for (const name of names) if (Object.hasOwn(next, name)) next[name] = patch(next[name]!)
    const changed: SyncState = { ...state, ...rest, collections: next }
    changed.status = statusOf(changed, state.status !== 'offline')
    return changed
  }

  const markStale = (reason: StaleReason): Patch => (c) => (c.status === 'ready' ? { ...c, status: 'stale', staleReason: reason } : c)
  // What `refresh()` can sync: a collection nothing can sync (`sync: false`, no `load`) is not marked.
  const refreshable = collections.filter((name) => !options.unsyncedSocketCollections.includes(name))

  type Case = (state: SyncState, action: UnknownAction) => SyncState
  // One lookup per action: the reducer runs for every action, inbound frames included.
  const cases = new Map<string, Case>([
    [actions.syncSucceeded.type, (state, action) => {
      const { collections: names, seq, at } = (action as ReturnType<typeof actions.syncSucceeded>).payload
      const next = update(
        state,
        names,
        (c) => ({ ...c, status: 'ready', syncedAt: at, staleReason: null, syncing: false, error: null }),
        { lastSyncAt: at, seq: seq ?? state.seq, entities: state.entities.filter((mark) => !names.includes(mark.collection)) },
      )
      // The last error stands until every collection has made good.
      if (Object.values(next.collections).every((c) => c.error === null)) next.lastError = null
      return next
    }],
    [actions.syncStarted.type, (state, action) => {
      const { collections: names, reason } = (action as ReturnType<typeof actions.syncStarted>).payload
      return update(state, names, (c) => ({ ...c, syncing: true }), { lastReason: reason })
    }],
    [actions.syncFailed.type, (state, action) => {
      const { collections: names, error } = (action as ReturnType<typeof actions.syncFailed>).payload
      return update(state, names, (c) => ({ ...c, syncing: false, error }), { lastError: error })
    }],
    [actions.staleMarked.type, (state, action) => {
      const { collections: names, reason } = (action as ReturnType<typeof actions.staleMarked>).payload
      return update(state, names, markStale(reason))
    }],
    [actions.refresh.type, (state) => update(state, refreshable, markStale('manual'))],
    [actions.refreshWidget.type, (state, action) => {
      const { collection, key, at } = (action as ReturnType<typeof actions.refreshWidget>).payload
      if (!refreshable.includes(collection) || state.entities.some((mark) => mark.collection === collection && mark.key === key)) return state
      return { ...state, entities: [...state.entities, { collection, key, reason: 'manual', at }] }
    }],
    [options.opened, (state, action) => {
      if (options.unsyncedSocketCollections.length === 0) return state
      const at = (action.payload as { at: number }).at
      return update(state, options.unsyncedSocketCollections, (c) => ({ ...c, status: 'ready', syncedAt: at, staleReason: null }))
    }],
    [options.offline, (state) => (state.status === 'offline' ? state : { ...state, status: 'offline' })],
    [options.online, (state) => {
      const status = statusOf(state, true)
      return status === state.status ? state : { ...state, status }
    }],
  ])

  return function syncReducer(state: SyncState = initial, action: UnknownAction): SyncState {
    const reduce = cases.get(action.type)
    return reduce ? reduce(state, action) : state
  }
}
