import type { CollectionSyncState, SyncReason } from './types'

/** A sync that must run (the data is known to be incomplete): when, and why. */
export interface DueSync {
  reason: SyncReason
  /** Not before this time (a failed sync waits for its retry), ms since epoch. */
  notBefore: number
}

/** One part of the sync: the SYNC over the socket, or one collection's `load`. */
export interface SyncPart {
  /** Set when this part must run. */
  due: DueSync | undefined
  /** When it last started (ms since epoch), for the periodic intervals. */
  lastAttempt: number | undefined
}

/** What the plan is made from: the clock, the environment, the config, and each part's record. */
export interface PlanInput {
  now: number
  online: boolean
  visible: boolean
  /** The socket is open. */
  open: boolean
  /** `features.ENABLE_BACKGROUND_SYNC`. */
  background: boolean
  /** `backgroundSync.SYNC_INTERVAL`; 0 turns the periodic sync off. */
  interval: number
  /** `backgroundSync.WIDGET_REFRESH`; 0 turns staleness by age off. */
  refreshAge: number
  /** `optimistic.SYNC_INTERVAL`; 0 turns the sync for pending ops off. */
  opsInterval: number
  /** The SYNC part, when SYNC is on and some collection is synced over the socket. */
  socket: (SyncPart & { collections: readonly string[]; pendingCheckAt: number | undefined }) | undefined
  /** The `load` parts by collection. */
  loads: ReadonlyMap<string, SyncPart>
  /** The sync state of every collection. */
  collections: Readonly<Record<string, CollectionSyncState>>
}

/** What to do now, and when to look again. */
export interface SyncPlan {
  /** Collections not synced within `refreshAge`: mark them stale (`age`) and sync them. */
  aged: string[]
  /** The socket part is due for this (periodic) reason. */
  socket: SyncReason | undefined
  /** These loads are due for this (periodic) reason. */
  loads: Array<[collection: string, reason: SyncReason]>
  /** `opsInterval` passed: sync if ops are pending. */
  pendingCheck: boolean
  /** The earliest time something else falls due (a retry, an interval), if any. */
  wakeAt: number | undefined
}

/**
 * The periodic part of the sync schedule, pure. Nothing runs while offline. Due syncs (first load,
 * reconnect, seq gap, manual, a failure's retry) run whether the page is visible or not, the
 * socket's once it is open; periodic ones (the interval, age, pending ops) only while the page is
 * visible, and the socket's while it is open. The periodic timers run from each part's last
 * attempt, so a failing sync is not retried in a loop; staleness by age runs from the last success.
 */
export function planSync(input: PlanInput): SyncPlan {
  const { now, socket } = input
  const plan: SyncPlan = { aged: [], socket: undefined, loads: [], pendingCheck: false, wakeAt: undefined }
  if (!input.online) return plan
  const wake = (at: number) => {
    if (at > now) plan.wakeAt = Math.min(plan.wakeAt ?? Infinity, at)
    return at <= now
  }
  const periodic = input.visible
  const every = input.background && input.interval > 0 ? input.interval : 0

  if (socket && input.open) {
    if (socket.due) wake(socket.due.notBefore)
    else if (periodic && socket.lastAttempt !== undefined) {
      if (every > 0 && wake(socket.lastAttempt + every)) plan.socket = 'interval'
      else if (input.opsInterval > 0 && wake(Math.max(socket.lastAttempt, socket.pendingCheckAt ?? -Infinity) + input.opsInterval)) plan.pendingCheck = true
    }
  }
  for (const [name, part] of input.loads) {
    if (part.due) wake(part.due.notBefore)
    else if (periodic && every > 0 && part.lastAttempt !== undefined && wake(part.lastAttempt + every)) plan.loads.push([name, 'interval'])
  }
  if (periodic && input.background && input.refreshAge > 0) {
    const refreshable = [...(socket && input.open ? socket.collections : []), ...input.loads.keys()]
    for (const name of refreshable) {
      const state = input.collections[name]
      if (state?.status === 'ready' && state.syncedAt !== null && wake(state.syncedAt + input.refreshAge)) plan.aged.push(name)
    }
  }
  return plan
}
