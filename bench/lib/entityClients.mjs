/**
 * Clients for the entity-collection blasts (scenarios/inboundEntities.mjs), in the BlastClient
 * shape of blastRound.mjs:
 *
 *   connectPackageEntities  createRealtime() with a `widgets` collection; "handled" = frames that
 *                           entitiesUpdated actions stand for (their `payload.received`), counted
 *                           by a probe middleware after the reducers ran
 *   connectAdapterDispatch  raw `ws` + JSON.parse + one createEntityAdapter().upsertOne dispatch per frame
 *
 * Both stores get the same `subscribers` store listeners, each reading one widget by key, plus one
 * listener counting store notifications.
 */
import { createEntityAdapter, createSlice } from '@reduxjs/toolkit'
import { closeSocket, createControl, openSocket } from './wsClient.mjs'
import { whenPackageOpen } from './store.mjs'

const blastFrame = (data) => JSON.stringify({ type: 'CONTROL', data })
export const widgetKey = (i) => 'w-' + i

/**
 * `n` listeners `store.subscribe(() => read(state, key))` over keys spread across `keys`, and one
 * counting notifications. Results go into a sink so the reads cannot be optimised away.
 * @returns {{ notifications: () => number, reset: () => void }}
 */
export function addSubscribers(store, { n, keys, read }) {
  const sink = new Array(n)
  for (let j = 0; j < n; j++) {
    const key = widgetKey(Math.floor((j * keys) / n))
    store.subscribe(() => {
      sink[j] = read(store.getState(), key)
    })
  }
  let notifications = 0
  store.subscribe(() => notifications++)
  return { notifications: () => notifications, reset: () => (notifications = 0), sink }
}

/**
 * A middleware counting `actionType` actions and the frames they stand for; `when(n)` resolves
 * with performance.now() once `n` frames were applied (checked after the reducers and listeners ran).
 */
export function createFlushProbe(actionType, framesOf) {
  let frames = 0
  let flushes = 0
  let target = Infinity
  let resolve = () => {}
  let onDone = () => {}
  const middleware = () => (next) => (action) => {
    const result = next(action)
    if (action.type === actionType) {
      flushes++
      frames += framesOf(action)
      if (frames >= target) {
        target = Infinity
        onDone()
        resolve(performance.now())
      }
    }
    return result
  }
  return {
    middleware,
    frames: () => frames,
    flushes: () => flushes,
    reset: () => ((frames = 0), (flushes = 0)),
    /** `done` runs synchronously at the moment the target is reached (to snapshot counters). */
    when: (n, done = () => {}) => ((target = n), (onDone = done), new Promise((r) => (resolve = r))),
  }
}

/**
 * The package client: `store` has realtime.reducer, realtime.middleware and `probe.middleware`.
 * `extra()` checks the final state with `verify(state)` and reports notifications and flushes
 * counted from the blast to the last applied frame.
 */
export async function connectPackageEntities({ realtime, store, probe, listeners, verify }) {
  await whenPackageOpen(realtime, store)
  let snapshot = null
  return {
    request: (data) => store.dispatch(realtime.request('CONTROL', data, { timeout: 120_000 })).then((reply) => reply.data),
    sendBlast: (data) => {
      store.dispatch(realtime.actions.send('CONTROL', data))
      // Count only what the blast causes, not the `send` dispatch itself.
      listeners.reset()
      probe.reset()
    },
    whenCounted: (n) => probe.when(n, () => (snapshot = { notifications: listeners.notifications(), flushes: probe.flushes() })),
    count: () => probe.frames(),
    extra: () => {
      verify(store.getState())
      return snapshot
    },
    close: async () => {
      store.dispatch(realtime.actions.disconnect())
    },
  }
}

/** An RTK entity-adapter slice `widgets` whose `upsert` action is `upsertOne`. */
export function createAdapterSlice() {
  const adapter = createEntityAdapter()
  return createSlice({ name: 'widgets', initialState: adapter.getInitialState(), reducers: { upsert: adapter.upsertOne } })
}

/** `ws` + JSON.parse + one `store.dispatch(upsert(message.data))` per WIDGET_UPDATE frame. */
export async function connectAdapterDispatch(url, { store, upsert, messageType }) {
  const ws = await openSocket(url)
  const control = createControl((text) => ws.send(text))
  let value = 0
  let target = Infinity
  let resolve = () => {}
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data)
    if (message.replyTo !== undefined && control.handleReply(message)) return
    if (message.type !== messageType) return
    store.dispatch(upsert(message.data))
    if (++value === target) resolve(performance.now())
  }
  return {
    request: control.request,
    sendBlast: (data) => ws.send(blastFrame(data)),
    whenCounted: (n) => ((target = n), new Promise((r) => (resolve = r))),
    count: () => value,
    close: () => closeSocket(ws),
  }
}
