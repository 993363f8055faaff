import { call, fork, put, race, select, take } from 'redux-saga/effects'
import { buffers, eventChannel, type SagaIterator } from 'redux-saga'
import type { Action, UnknownAction } from '@reduxjs/toolkit'
import { bucketValues } from '../util/buckets'
import type { ConnectionRuntime } from '../connection/runtime'
import type { SocketPort } from '../connection/socketPort'
import type { Envelope } from '../protocol/envelope'
import { sleep } from '../world/sleep'
import { createOutbound, type Outbound } from './createOutbound'
import { laneGet } from './lanes'
import { locateOp, opById } from './opLookup'
import { opMessage } from './opMessage'
import type { OpRef } from './optimisticActions'
import type { OpsRuntime } from './opsRuntime'
import { deliveryHead } from './lanes'

type Place = { collection: string; key: string }

/** The entities whose lanes an action can have made ready to send; null means "every lane". */
function affectedLanes(ops: OpsRuntime, action: UnknownAction, state: unknown): readonly Place[] | null | undefined {
  if (ops.mutationsByType.has(action.type)) return [action.payload as OpRef]
  const { actions } = ops
  if (actions.opAcked.match(action) || actions.opNacked.match(action) || actions.opTimedOut.match(action)) return [action.payload]
  if (actions.entitiesUpdated.match(action)) return action.payload.updates
  if (actions.retryNow.match(action)) {
    const at = locateOp(ops.selectData(state).optimistic, action.payload.opId)
    return at ? [at] : undefined
  }
  // They name only the opId, and the op is gone from the index by now; resuming readies every lane.
  if (action.type === ops.hold.releasedBy) return null
  // A sync result is rare and may touch any lane.
  if (actions.confirm.match(action) || actions.rollback.match(action) || actions.discard.match(action) || actions.resume.match(action) || action.type === ops.syncSucceeded) return null
  return undefined
}

/**
 * Hands the delivery head of every ready lane to the transport, as its next delivery. One op per
 * key is on the wire at a time, so ops on a key reach the server in creation order even across
 * retries, while other keys go on independently (DESIGN.md invariant 5). Every delivery carries
 * the opId and its number, so replays are idempotent and answers can be matched to deliveries.
 * Returns when the earliest debounced op becomes ready, if one waits.
 */
function* sendReady(rt: ConnectionRuntime, ops: OpsRuntime, outbound: Outbound, places: readonly Place[] | null): SagaIterator<number | undefined> {
  const state: unknown = yield select()
  const { optimistic } = ops.selectData(state)
  if (optimistic.count === 0 || optimistic.paused || ops.hold.isHeld(state)) return undefined
  const sent: OpRef[] = []
  const messages: Envelope[] = []
  const now = rt.timers.now()
  let wakeAt: number | undefined
  const lanes = places === null ? bucketValues(optimistic.lanes) : places.map((p) => laneGet(optimistic.lanes, p.collection, p.key))
  for (const lane of lanes) {
    const head = lane && deliveryHead(lane)
    if (!head || head.status !== 'queued') continue
    // A debounce window or a retry backoff: the earliest sets the alarm.
    const readyAt = Math.max(head.notBefore ?? 0, head.retryAt ?? 0)
    if (readyAt > now) {
      wakeAt = Math.min(wakeAt ?? Infinity, readyAt)
      continue
    }
    const mutation = ops.mutations.get(head.mutation)
    if (!mutation || mutation.transport !== 'socket') continue
    // The reducer counts the delivery when it sees `opsSent`: this is its number.
    messages.push(opMessage(head, mutation, head.attempts + 1))
    sent.push({ opId: head.opId, collection: head.collection, key: head.key })
  }
  if (sent.length > 0) {
    // Marked sent before the hand-over: a failing transport reports back through an action that must find them sent.
    yield put(ops.actions.opsSent({ ops: sent, at: now }))
    outbound.deliver(messages)
  }
  return wakeAt
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
      const head = deliveryHead(lane)
      // An op in doubt waits for its answer as long as a sent one, then gives up.
      if ((head?.status === 'sent' || head?.status === 'doubt') && head.sentAt !== undefined && now - head.sentAt >= timeout) {
        yield put(ops.actions.opTimedOut({ opId: head.opId, collection: head.collection, key: head.key, attempt: head.attempts, random: rt.random(), at: now }))
      }
    }
  }
}

/** Sends ready ops as they appear, and times out silent deliveries, while the transport is there. */
function* deliverThrough(rt: ConnectionRuntime, ops: OpsRuntime, outbound: Outbound): SagaIterator<void> {
  yield fork(timeoutSaga, rt, ops)
  const { actions } = ops
  // Every dispatched action is matched against this: a Set lookup, no allocation.
  const triggers = new Set<string>([
    ...ops.mutationsByType.keys(),
    actions.opAcked.type, actions.opNacked.type, actions.opTimedOut.type,
    actions.entitiesUpdated.type, actions.confirm.type, actions.rollback.type,
    actions.discard.type, actions.retryNow.type, actions.resume.type, ops.hold.releasedBy,
    ...(ops.syncSucceeded ? [ops.syncSucceeded] : []),
  ])
  const isTrigger = (action: Action) => triggers.has(action.type)
  try {
    let wakeAt: number | undefined = yield* sendReady(rt, ops, outbound, null)
    for (;;) {
      // A debounced op waits for its window; the earliest one sets an alarm.
      const next = wakeAt === undefined
        ? { action: yield take(isTrigger) }
        : yield race({ action: take(isTrigger), alarm: call(sleep, rt.timers, Math.max(0, wakeAt - rt.timers.now())) })
      const places = next.alarm ? null : affectedLanes(ops, next.action as UnknownAction, yield select())
      if (places === undefined) continue
      if (outbound.waiting) {
        // Only deliveries still awaited may leave the window: the op is sent, and this is its latest.
        const { optimistic } = ops.selectData(yield select())
        outbound.prune((message) => {
          const op = message.id === undefined ? undefined : opById(optimistic, message.id)
          return op?.status === 'sent' && op.attempts === message.attempt
        })
      }
      const due: number | undefined = yield* sendReady(rt, ops, outbound, places)
      wakeAt = next.alarm ? due : due === undefined ? wakeAt : Math.min(due, wakeAt ?? Infinity)
    }
  } finally {
    outbound.dispose()
  }
}

/**
 * `outbound.onUpdate` failed (threw or rejected): each op of the batch is answered like a
 * retryable NACK of that delivery, so it goes out again until its deliveries are spent.
 */
function* reportFailures(rt: ConnectionRuntime, ops: OpsRuntime, failures: ReturnType<typeof failureChannel>): SagaIterator<void> {
  for (;;) {
    const { messages, reason } = yield take(failures)
    const { optimistic } = ops.selectData(yield select())
    for (const message of messages as Envelope[]) {
      const at = message.id === undefined ? undefined : locateOp(optimistic, message.id)
      if (!at || message.id === undefined) continue
      const echo = message.attempt === undefined ? {} : { attempt: message.attempt }
      yield put(ops.actions.opNacked({ opId: message.id, ...at, ...echo, reason, retryable: true, random: rt.random(), at: rt.timers.now() }))
    }
  }
}

function failureChannel() {
  let report: (failure: { messages: Envelope[]; reason: string }) => void = () => {}
  const channel = eventChannel<{ messages: Envelope[]; reason: string }>((emit) => {
    report = emit
    return () => {}
  }, buffers.expanding(8))
  const onFailure = (messages: Envelope[], error: unknown) =>
    report({ messages, reason: `outbound.onUpdate failed: ${error instanceof Error ? error.message : String(error)}` })
  return Object.assign(channel, { onFailure })
}

/**
 * The one delivery lifecycle of every transport (DESIGN.md invariants 4 and 5). Over the socket
 * (one frame per op, or `BATCH` frames) ops go out while a socket is open; a close loses what was
 * on the wire (`deliveriesLost` puts those ops back in the queue) and the next `opened` sends them
 * again. With `outbound.onUpdate` the user's function is the transport, there from the start and
 * not affected by the socket, but paused while the environment is offline (what it had on the
 * wire then goes out again once online). Either way the same loop sends, times out and retries.
 */
export function* deliverySaga(rt: ConnectionRuntime, ops: OpsRuntime, port: SocketPort): SagaIterator<void> {
  if (ops.outbound.onUpdate) {
    const failures = failureChannel()
    yield fork(reportFailures, rt, ops, failures)
    // Your transport needs the network too: while offline nothing is sent, retried or timed out.
    for (;;) {
      if (!rt.selectConnection(yield select()).online) yield take(rt.actions.online.type)
      yield race({
        deliver: call(deliverThrough, rt, ops, createOutbound(rt, ops.outbound, () => {}, failures.onFailure)),
        offline: take(rt.actions.offline.type),
      })
      yield put(ops.actions.deliveriesLost({ reason: 'the network went offline', at: rt.timers.now() }))
    }
  }
  for (;;) {
    if (!port.isOpen) yield take(rt.actions.opened.type)
    yield race({
      deliver: call(deliverThrough, rt, ops, createOutbound(rt, ops.outbound, (text) => void port.send(text), () => {})),
      closed: take(rt.actions.closed.type),
    })
    yield put(ops.actions.deliveriesLost({ reason: 'the socket closed', at: rt.timers.now() }))
  }
}
