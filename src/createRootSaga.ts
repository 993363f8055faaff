import { all, fork, put, take } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import type { UpdateParser } from './collections/defineCollections'
import { createEntityUpdateInbox, type UpdateBatch } from './collections/entityUpdateInbox'
import { connectionSaga } from './connection/connectionSaga'
import { environmentSaga } from './connection/environmentSaga'
import type { FrameHandler, StoreAccess } from './connection/frameHandler'
import { requestSaga } from './connection/requestSaga'
import type { ConnectionRuntime } from './connection/runtime'
import { createSocketPort } from './connection/socketPort'
import { deliverySaga } from './optimistic/deliverySaga'
import { createOpAnswerHandler } from './optimistic/opAnswerFrames'
import type { OptimisticActions } from './optimistic/optimisticActions'
import type { OpsRuntime } from './optimistic/opsRuntime'

/**
 * The root saga of one store: the environment, requests, the connection with the inbound links of
 * the parts above it (entity updates into the batcher, op answers), the batcher's flushes as
 * actions, and the delivery of ops. `store` is given when the package's middleware runs it.
 */
export function createRootSaga(
  rt: ConnectionRuntime,
  { parsers, entitiesUpdated, ops }: {
    parsers: ReadonlyMap<string, UpdateParser>
    entitiesUpdated: OptimisticActions['entitiesUpdated']
    /** Absent when no collection is declared. */
    ops: OpsRuntime | undefined
  },
) {
  return function* saga(store?: StoreAccess): SagaIterator<void> {
    const port = createSocketPort()
    const inbox = createEntityUpdateInbox(rt, parsers)
    const frameHandlers: FrameHandler[] = [inbox.handler]
    if (ops) frameHandlers.push(createOpAnswerHandler(rt, ops))
    const hooks = { frameHandlers, port, onSessionEnd: inbox.flush, ...(store ? { store } : {}) }

    function* putBatches(): SagaIterator<void> {
      for (;;) {
        const batch: UpdateBatch = yield take(inbox.batches)
        yield put(entitiesUpdated({ updates: batch.updates, received: batch.received, at: rt.timers.now() }))
      }
    }
    const tasks = [fork(environmentSaga, rt), fork(requestSaga, rt), fork(putBatches), fork(connectionSaga, rt, hooks)]
    if (ops) tasks.push(fork(deliverySaga, rt, ops, port))
    yield all(tasks)
  }
}
