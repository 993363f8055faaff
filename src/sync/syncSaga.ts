import { actionChannel, all, call, put, race, select, take, type CallEffect } from 'redux-saga/effects'
import { buffers, type SagaIterator } from 'redux-saga'
import type { Action, UnknownAction } from '@reduxjs/toolkit'
import type { ConnectionRuntime } from '../connection/runtime'
import { sleep } from '../world/sleep'
import type { SeqTracker } from './createSeqTracker'
import { loadCollection } from './loadCollection'
import { planSync, type DueSync, type SyncPart } from './planSync'
import { syncOverSocket } from './syncOverSocket'
import type { SyncRuntime } from './syncRuntime'
import type { StaleReason, SyncReason } from './types'

/**
 * A SYNC asked for by a seq gap waits at least this long after the previous SYNC started, so a
 * server that skips numbers for good (it numbers broadcasts across clients, say) costs one SYNC
 * a second, not a loop.
 */
export const GAP_RESYNC_MIN_INTERVAL = 1000

// Resolves after the current turn: by then the delivery saga has sent the ops it replays on
// `opened`, so they reach the server before the SYNC (a snapshot taken before their ACKs would
// look like a conflict with them).
const afterThisTurn = () => Promise.resolve()

/**
 * Brings every collection up to date and keeps it there (the schedule is {@link planSync}'s):
 *
 * - at start, every `load` collection; on every `opened`, the SYNC over the socket (`initial` the
 *   first time, `reconnect` after) and, after a reconnect, the loads of collections that also get
 *   live updates (a close marks those stale);
 * - a seq gap (the tracker's report, or a SYNC reply that leaves one): a SYNC since the last seq;
 * - `refresh()` / `refreshWidget()`: a sync of every collection / of the entity's collection;
 * - periodic syncs while online and visible (`backgroundSync.SYNC_INTERVAL` when
 *   `features.ENABLE_BACKGROUND_SYNC`; `optimistic.SYNC_INTERVAL` while ops are pending), and
 *   staleness by age (`backgroundSync.WIDGET_REFRESH`).
 *
 * A sync that must run (the data is known to be incomplete) and fails is retried after
 * `backgroundSync.SYNC_INTERVAL` (never when that is 0), or at the next trigger. One sync runs at
 * a time; what asks for one meanwhile waits in a channel.
 */
export function* syncSaga(rt: ConnectionRuntime, sync: SyncRuntime, tracker: SeqTracker): SagaIterator<void> {
  const { actions: conn, config } = rt
  const { actions } = sync
  const socketNames = sync.requestType === undefined ? [] : [...sync.socketCollections]
  const loadNames = [...sync.loaders.keys()]
  const every = [...sync.socketCollections, ...loadNames]
  if (every.length === 0) return
  const retryDelay = config.backgroundSync.SYNC_INTERVAL

  const triggerTypes = new Set<string>([
    conn.opened.type, conn.closed.type, conn.online.type, conn.offline.type, conn.visibilityChanged.type,
    actions.refresh.type, actions.refreshWidget.type,
  ])
  // A channel, not `take`: what happens while a sync runs waits here instead of being missed.
  const triggers = yield actionChannel((action: Action) => triggerTypes.has(action.type), buffers.expanding<UnknownAction>(8))

  const socket = socketNames.length > 0
    ? { collections: socketNames, due: { reason: 'initial', notBefore: 0 } as DueSync | undefined, lastAttempt: undefined as number | undefined, pendingCheckAt: undefined as number | undefined }
    : undefined
  const loads = new Map<string, SyncPart>(loadNames.map((name) => [name, { due: { reason: 'initial', notBefore: 0 }, lastAttempt: undefined }]))
  let open = false
  let sessions = 0

  const dueNow = (reason: SyncReason): DueSync => ({ reason, notBefore: 0 })
  const stale = (collections: string[], reason: StaleReason) => put(actions.staleMarked({ collections, reason, at: rt.timers.now() }))
  const askAll = (reason: SyncReason) => {
    if (socket) socket.due = dueNow(reason)
    for (const part of loads.values()) part.due = dueNow(reason)
  }
  const ask = (collection: string, reason: SyncReason) => {
    const part = loads.get(collection)
    if (part) part.due = dueNow(reason)
    else if (socket && socketNames.includes(collection)) socket.due = dueNow(reason)
  }

  function* runSocket(reason: SyncReason): SagaIterator<void> {
    socket!.lastAttempt = rt.timers.now()
    const outcome = yield call(syncOverSocket, rt, sync, tracker, reason)
    if (outcome === 'gap') {
      yield stale(socketNames, 'seq_gap')
      socket!.due = { reason: 'seq_gap', notBefore: socket!.lastAttempt + GAP_RESYNC_MIN_INTERVAL }
    } else if (outcome === 'failed' && retryDelay > 0) socket!.due = { reason, notBefore: rt.timers.now() + retryDelay }
    // After a close the next `opened` asks again.
    else if (outcome === 'closed') socket!.due = dueNow(reason)
  }

  function* runLoad(name: string, reason: SyncReason): SagaIterator<void> {
    const part = loads.get(name)!
    part.lastAttempt = rt.timers.now()
    const ok = yield call(loadCollection, rt, sync, name, reason)
    if (!ok && retryDelay > 0) part.due = { reason, notBefore: rt.timers.now() + retryDelay }
  }

  for (;;) {
    const root = yield select()
    const { online, visible, status } = rt.selectConnection(root)
    const now = rt.timers.now()
    const plan = planSync({
      now, online, visible, open,
      background: config.features.ENABLE_BACKGROUND_SYNC,
      interval: config.backgroundSync.SYNC_INTERVAL,
      refreshAge: config.backgroundSync.WIDGET_REFRESH,
      opsInterval: config.optimistic.SYNC_INTERVAL,
      socket,
      loads,
      collections: sync.selectSync(root).collections,
    })
    if (plan.aged.length > 0) {
      yield stale(plan.aged, 'age')
      for (const name of plan.aged) ask(name, 'age')
    }
    if (plan.socket) socket!.due = dueNow(plan.socket)
    for (const [name, reason] of plan.loads) loads.get(name)!.due = dueNow(reason)
    if (plan.pendingCheck) {
      if (sync.selectPendingCount(root) > 0) socket!.due = dueNow('pending_ops')
      else socket!.pendingCheckAt = now
    }

    // What is due now and can run: the socket's once it is open, nothing while offline.
    const socketReason = online && open && status === 'open' && socket?.due && socket.due.notBefore <= now ? socket.due.reason : undefined
    const dueLoads: Array<[string, SyncReason]> = []
    if (online) for (const [name, part] of loads) if (part.due && part.due.notBefore <= now) dueLoads.push([name, part.due.reason])
    if (socketReason !== undefined || dueLoads.length > 0) {
      const names = [...(socketReason !== undefined ? socketNames : []), ...dueLoads.map(([name]) => name)]
      const parts: CallEffect[] = []
      if (socketReason !== undefined) {
        socket!.due = undefined
        parts.push(call(runSocket, socketReason))
      }
      for (const [name, reason] of dueLoads) {
        loads.get(name)!.due = undefined
        parts.push(call(runLoad, name, reason))
      }
      // One start for the whole round (the parts run side by side), so the status does not flicker.
      yield put(actions.syncStarted({ collections: names, reason: socketReason ?? dueLoads[0]![1], at: now }))
      yield all(parts)
      continue
    }
    if (plan.aged.length > 0 || plan.socket || plan.loads.length > 0 || plan.pendingCheck) continue

    const woken = yield race({
      action: take(triggers),
      gap: take(tracker.gaps),
      ...(plan.wakeAt === undefined ? {} : { timer: call(sleep, rt.timers, Math.max(0, plan.wakeAt - now)) }),
    })
    if (woken.gap) {
      yield stale(socketNames, 'seq_gap')
      if (socket) socket.due = { reason: 'seq_gap', notBefore: (socket.lastAttempt ?? -Infinity) + GAP_RESYNC_MIN_INTERVAL }
      continue
    }
    const action = woken.action as UnknownAction | undefined
    if (!action) continue
    if (conn.opened.match(action)) {
      open = true
      sessions += 1
      if (socket) {
        socket.due = dueNow(sessions === 1 ? 'initial' : 'reconnect')
        // Let the ops the delivery saga replays on `opened` go out first.
        yield call(afterThisTurn)
      }
      // A `load` collection fed by live updates too may have missed some while the socket was down.
      if (sessions > 1) for (const [name, part] of loads) if (sync.liveCollections.includes(name)) part.due = dueNow('reconnect')
    } else if (conn.closed.match(action)) {
      open = false
      tracker.hold()
      const live = every.filter((name) => sync.liveCollections.includes(name))
      if (live.length > 0) yield stale(live, 'reconnect')
    } else if (actions.refresh.match(action)) {
      askAll('manual')
    } else if (actions.refreshWidget.match(action)) {
      ask(action.payload.collection, 'manual')
    }
    // online, offline, visibilityChanged: the next plan reads them from state.
  }
}
