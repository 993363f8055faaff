import { call, fork, put, race, select, take } from 'redux-saga/effects'
import type { Action, UnknownAction } from '@reduxjs/toolkit'
import type { SagaIterator } from 'redux-saga'
import type { ConnectionRuntime } from '../connection/runtime'
import { sleep } from '../world/sleep'
import { laneGet } from './dataTransaction'
import { bucketValues } from '../collections/buckets'
import type { OpRef } from './optimisticActions'
import type { OpsRuntime, RunState } from './opsRuntime'
import type { Outbound } from './createOutbound'
import type { Envelope } from '../protocol/envelope'

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

type Place = { collection: string; key: string }

/** The entities whose lanes an action can have made ready to send; null means "every lane". */
function affectedLanes(ops: OpsRuntime, action: UnknownAction): readonly Place[] | null | undefined {
  if (ops.mutationsByType.has(action.type)) return [action.payload as OpRef]
  const { actions } = ops
  if (actions.opAcked.match(action) || actions.opNacked.match(action) || actions.opTimedOut.match(action)) {
    return [action.payload]
  }
  if (actions.entitiesUpdated.match(action)) return action.payload.updates
  if (actions.confirm.match(action) || actions.rollback.match(action)) return null
  return undefined
}

/**
 * Sends the head op of every ready lane. One op per key is on the wire at a time, so ops on a key
 * reach the server in creation order even across retries, while other keys go on independently
 * (DESIGN.md invariant 5). Every delivery carries the opId, so replays are idempotent.
 */
function* sendReady(rt: ConnectionRuntime, ops: OpsRuntime, run: RunState, outbound: Outbound, places: readonly Place[] | null): SagaIterator<void> {
  const { optimistic } = ops.selectData(yield select())
  if (optimistic.count === 0) return
  const sent: OpRef[] = []
  const messages: Envelope[] = []
  const now = rt.timers.now()
  const lanes = places === null ? bucketValues(optimistic.lanes) : places.map((p) => laneGet(optimistic.lanes, p.collection, p.key))
  for (const lane of lanes) {
    const head = lane?.[0]
    if (!head || head.status !== 'queued') continue
    if (head.notBefore !== undefined && head.notBefore > now) {
      run.wakeAt = Math.min(run.wakeAt ?? Infinity, head.notBefore)
      continue
    }
    const mutation = ops.mutations.get(head.mutation)
    if (!mutation || mutation.transport !== 'socket') continue
    const data = isPlainObject(head.args) ? { ...head.args, baseVersion: head.baseVersion } : { value: head.args, baseVersion: head.baseVersion }
    messages.push({ type: mutation.message, id: head.opId, data })
    const ref: OpRef = { opId: head.opId, collection: head.collection, key: head.key }
    run.opIndex.set(head.opId, ref)
    sent.push(ref)
  }
  if (sent.length === 0) return
  // Marked sent before the hand-over: a failing handler reports back through an action that must find them sent.
  yield put(ops.actions.opsSent({ ops: sent, at: now }))
  outbound.deliver(messages)
}

// One periodic scan instead of a timer per op: thousands of ops in flight cost one timer.
function* timeoutSaga(rt: ConnectionRuntime, ops: OpsRuntime): SagaIterator<void> {
  const timeout = rt.config.optimistic.TIMEOUT
  const tick = Math.min(1000, Math.max(50, Math.floor(timeout / 10)))
  for (;;) {
    yield call(sleep, rt.timers, tick)
    const now = rt.timers.now()
    const { optimistic } = ops.selectData(yield select())
    for (const lane of bucketValues(optimistic.lanes)) {
      const head = lane[0]
      if (head?.status === 'sent' && head.sentAt !== undefined && now - head.sentAt >= timeout) {
        yield put(ops.actions.opTimedOut({ opId: head.opId, collection: head.collection, key: head.key, at: now }))
      }
    }
  }
}

/** Runs while the socket is open: sends ready ops as they appear, and times out silent ones. */
export function* opDeliverySaga(rt: ConnectionRuntime, ops: OpsRuntime, run: RunState, outbound: Outbound): SagaIterator<void> {
  yield fork(timeoutSaga, rt, ops)
  run.wakeAt = undefined
  yield* sendReady(rt, ops, run, outbound, null)
  // Every dispatched action is matched against this while the socket is open: a Set lookup, no allocation.
  const { actions } = ops
  const triggers = new Set<string>([
    ...ops.mutationsByType.keys(),
    actions.opAcked.type, actions.opNacked.type, actions.opTimedOut.type,
    actions.entitiesUpdated.type, actions.confirm.type, actions.rollback.type,
  ])
  const isTrigger = (action: Action) => triggers.has(action.type)
  for (;;) {
    // A debounced op waits for its window; the earliest one sets an alarm.
    const wakeAt = run.wakeAt
    const next = wakeAt === undefined
      ? { action: yield take(isTrigger) }
      : yield race({ action: take(isTrigger), alarm: call(sleep, rt.timers, Math.max(0, wakeAt - rt.timers.now())) })
    if (next.alarm) {
      run.wakeAt = undefined
      yield* sendReady(rt, ops, run, outbound, null)
      continue
    }
    const lanes = affectedLanes(ops, next.action as UnknownAction)
    if (lanes !== undefined) yield* sendReady(rt, ops, run, outbound, lanes)
  }
}
