import { all, call, fork, put, take } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import type { UpdateParser } from './collections/defineCollections'
import { createEntityUpdateInbox, type UpdateBatch } from './collections/entityUpdateInbox'
import { connectionSaga } from './connection/connectionSaga'
import { environmentLoop, environmentSaga } from './connection/environmentSaga'
import type { FrameHandler, StoreAccess } from './connection/frameHandler'
import { requestSaga } from './connection/requestSaga'
import type { ConnectionRuntime } from './connection/runtime'
import { createSocketPort } from './connection/socketPort'
import { deliverySaga } from './optimistic/deliverySaga'
import { createOpAnswerHandler } from './optimistic/opAnswerFrames'
import type { OptimisticActions } from './optimistic/optimisticActions'
import type { OpsRuntime } from './optimistic/opsRuntime'
import { createSeqTracker } from './sync/createSeqTracker'
import { syncSaga } from './sync/syncSaga'
import type { SyncRuntime } from './sync/syncRuntime'

/**
 * The root saga of one store: the environment, requests, the connection with the inbound links of
 * the parts above it (the seq tracker, entity updates into the batcher, op answers), the batcher's
 * flushes as actions, the delivery of ops, and the sync. `store` is given when the package's
 * middleware runs it.
 */
export function createRootSaga(
  rt: ConnectionRuntime,
  { parsers, entitiesUpdated, ops, sync }: {
    parsers: ReadonlyMap<string, UpdateParser>
    entitiesUpdated: OptimisticActions['entitiesUpdated']
    /** Absent when no collection is declared. */
    ops: OpsRuntime | undefined
    /** Absent when no collection is declared. */
    sync: SyncRuntime | undefined
  },
) {
  return function* saga(store?: StoreAccess): SagaIterator<void> {
    const port = createSocketPort()
    const inbox = createEntityUpdateInbox(rt, parsers)
    const tracker = createSeqTracker()
    // The seq tracker first: it sees every numbered frame and passes each on.
    const frameHandlers: FrameHandler[] = sync?.requestType !== undefined && sync.socketCollections.length > 0 ? [tracker.handler, inbox.handler] : [inbox.handler]
    if (ops) frameHandlers.push(createOpAnswerHandler(rt, ops))
    const hooks = { frameHandlers, port, onSessionEnd: inbox.flush, ...(store ? { store } : {}) }

    function* putBatches(): SagaIterator<void> {
      for (;;) {
        const batch: UpdateBatch = yield take(inbox.batches)
        yield put(entitiesUpdated({ updates: batch.updates, received: batch.received, at: rt.timers.now() }))
      }
    }
    const environment = yield call(environmentSaga, rt)
    const tasks = [fork(environmentLoop, environment), fork(requestSaga, rt), fork(putBatches), fork(connectionSaga, rt, hooks)]
    if (ops) tasks.push(fork(deliverySaga, rt, ops, port))
    // After the delivery saga: on `opened` the ops it replays go out before the SYNC.
    if (sync) tasks.push(fork(syncSaga, rt, sync, tracker))
    yield all(tasks)
  }
}
