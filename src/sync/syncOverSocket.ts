import { put, race, select, take } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import type { Action, UnknownAction } from '@reduxjs/toolkit'
import { MAX_TIMER_DELAY } from '../config/optionRules'
import type { ConnectionRuntime } from '../connection/runtime'
import type { RealtimeError } from '../world/serializeError'
import { parseSyncReply } from './parseSyncReply'
import type { SeqTracker } from './createSeqTracker'
import { snapshotRemovals } from './snapshotRemovals'
import type { SyncRuntime } from './syncRuntime'
import type { SyncReason } from './types'

/** How a SYNC over the socket ended: applied (`gap`: the reply left a hole, ask again), failed, or cut off by a close. */
export type SocketSyncOutcome = 'done' | 'gap' | 'failed' | 'closed'

/**
 * One SYNC request over the socket, on the connection's request mechanism (`requestStarted`, the
 * reply matched by `replyTo`, `websocket.REQUEST_TIMEOUT`): `{ type: 'SYNC', id, data: { since } }`
 * with `since` the last seq seen contiguously (0: "send a snapshot"). The reply's frames are read
 * by the collections' parsers and applied as one `syncSucceeded`; a NACK/ERROR reply, a timeout, a
 * malformed reply or a close before the reply is a `syncFailed` with a plain error.
 */
export function* syncOverSocket(rt: ConnectionRuntime, sync: SyncRuntime, tracker: SeqTracker, reason: SyncReason): SagaIterator<SocketSyncOutcome> {
  const { requestStarted, requestSucceeded, requestFailed, closed, messageRejected } = rt.actions
  const type = sync.requestType!
  const collections = [...sync.socketCollections]
  const fail = (error: RealtimeError) => put(sync.actions.syncFailed({ collections, error, reason, at: rt.timers.now() }))

  const since = tracker.begin()
  const before = sync.selectCollections(yield select())
  const requestId = sync.generateId()
  // A request of the package's own: no promise for it in the middleware (nobody awaits it).
  const started: UnknownAction = {
    ...requestStarted({
      requestId,
      message: { type, id: requestId, data: { since } },
      timeoutMs: rt.config.websocket.REQUEST_TIMEOUT || MAX_TIMER_DELAY,
      startedAt: rt.timers.now(),
    }),
    meta: { realtimeInternal: true },
  }
  yield put(started)
  const answered = (action: Action) =>
    (requestSucceeded.match(action) || requestFailed.match(action)) && action.payload.requestId === requestId
  const outcome = yield race({ answer: take(answered), closed: take(closed.type) })
  if (outcome.closed) {
    // Nothing will answer it now: settle it, so it leaves `requests` at once.
    const error = { name: 'SyncError', code: 'SOCKET_CLOSED', message: `rtk-realtime: the socket closed before the ${type} reply` }
    yield put(requestFailed({ requestId, error }))
    yield fail(error)
    return 'closed'
  }
  const answer = outcome.answer as ReturnType<typeof requestSucceeded> | ReturnType<typeof requestFailed>
  if (requestFailed.match(answer)) {
    yield fail({ ...answer.payload.error, name: 'SyncError' })
    return 'failed'
  }
  const parsed = parseSyncReply(answer.payload.reply.data, sync.parsers, type)
  if ('error' in parsed) {
    yield fail(parsed.error)
    return 'failed'
  }
  const at = rt.timers.now()
  for (const { type: frameType, reason: why } of parsed.rejected) {
    yield put(messageRejected({ code: 'validation_failed', reason: why, ...(frameType === undefined ? {} : { type: frameType }), at }))
  }
  const removals = parsed.snapshot ? snapshotRemovals(before, sync.selectCollections(yield select()), collections, parsed.updates) : []
  yield put(sync.actions.syncSucceeded({ collections, updates: parsed.updates, snapshot: parsed.snapshot, removals, seq: parsed.seq, reason, at }))
  return tracker.settle(parsed.seq) ? 'gap' : 'done'
}
