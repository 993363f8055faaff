import { call, cancelled, put, race, select } from 'redux-saga/effects'
import type { SagaIterator } from 'redux-saga'
import { MAX_TIMER_DELAY } from '../config/optionRules'
import type { ConnectionRuntime } from '../connection/runtime'
import { toRealtimeError, type RealtimeError } from '../world/serializeError'
import { sleep } from '../world/sleep'
import { parseLoadResult } from './parseLoadResult'
import { snapshotRemovals } from './snapshotRemovals'
import type { SyncRuntime } from './syncRuntime'
import type { SyncReason } from './types'

/**
 * One `collections.<name>.load`: called with `{ collection, reason, signal }`, given
 * `websocket.REQUEST_TIMEOUT` to resolve (then `signal` aborts). Its entities are read by the
 * collection's parser and applied as one `syncSucceeded` snapshot of that collection (entities it
 * leaves out are deleted). A rejection, a throw, a timeout or a result that is not an array is a
 * `syncFailed` with a plain error. Returns whether it succeeded.
 */
export function* loadCollection(rt: ConnectionRuntime, sync: SyncRuntime, collection: string, reason: SyncReason): SagaIterator<boolean> {
  const load = sync.loaders.get(collection)!
  const where = `rtk-realtime: collections.${collection}.load`
  const fail = (error: RealtimeError) => put(sync.actions.syncFailed({ collections: [collection], error, reason, at: rt.timers.now() }))
  const timeoutMs = rt.config.websocket.REQUEST_TIMEOUT || MAX_TIMER_DELAY
  const before = sync.selectCollections(yield select())
  const controller = new AbortController()
  let result: unknown
  try {
    const outcome = yield race({
      // A promise-returning call: redux-saga waits for it, and a rejection is thrown here.
      loaded: call(() => load({ collection, reason, signal: controller.signal })),
      timeout: call(sleep, rt.timers, timeoutMs),
    })
    if (outcome.timeout) {
      controller.abort()
      yield fail({ name: 'LoadError', code: 'LOAD_TIMEOUT', message: `${where} gave no result within ${timeoutMs} ms (websocket.REQUEST_TIMEOUT)` })
      return false
    }
    result = outcome.loaded
  } catch (thrown) {
    const error = toRealtimeError(thrown, 'LoadError')
    yield fail({ name: 'LoadError', code: 'LOAD_FAILED', message: `${where} failed: ${error.message}` })
    return false
  } finally {
    if (yield cancelled()) controller.abort()
  }
  const parsed = parseLoadResult(result, collection, sync.entityParsers.get(collection)!)
  if ('error' in parsed) {
    yield fail(parsed.error)
    return false
  }
  const at = rt.timers.now()
  const { messageRejected } = rt.actions
  if (parsed.stripped.length > 0) {
    yield put(messageRejected({ code: 'forbidden_key', reason: `${where}: removed forbidden keys: ${parsed.stripped.join(', ')}`, stripped: parsed.stripped, at }))
  }
  for (const { reason: why } of parsed.rejected) yield put(messageRejected({ code: 'validation_failed', reason: why, at }))
  const removals = snapshotRemovals(before, sync.selectCollections(yield select()), [collection], parsed.updates)
  yield put(sync.actions.syncSucceeded({ collections: [collection], updates: parsed.updates, snapshot: true, removals, reason, at }))
  return true
}
