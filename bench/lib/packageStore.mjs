/**
 * The package's store for the entity blasts: createRealtime() with a `widgets` collection (the
 * blast's WIDGET_UPDATE frames), the `keys` widgets already in (version 0.5, below every blasted
 * version, value -1), the 100 store subscribers and a probe counting entitiesUpdated actions.
 */
import { configureStore } from '@reduxjs/toolkit'
import { WebSocket } from 'ws'
import { createRealtime, silentLogger } from '../../dist/index.js'
import { addSubscribers, createFlushProbe, widgetKey } from './entityClients.mjs'
import { watchStore } from './latency.mjs'
import { BLAST_TYPE } from './protocol.mjs'
import { whenPackageOpen } from './store.mjs'

/**
 * `ws`'s WebSocket noting when the package's message handler last returned, so a round can tell
 * the idle wait for the batcher's last window (BATCH_DELAY after its first update, whatever
 * arrives) from work: see `idleTailMs` below. One performance.now() per frame, as the no-store
 * client's progress pays.
 */
function timedWebSocket(clock) {
  return class TimedWebSocket extends WebSocket {
    set onmessage(handler) {
      super.onmessage = handler && ((event) => {
        handler(event)
        clock.lastFrameAt = performance.now()
      })
    }

    get onmessage() {
      return super.onmessage
    }
  }
}

/**
 * @param {string} url
 * @param {{ keys: number, subscribers: number, updates?: object }} options `updates`: the
 *   package's `config.updates` (none: the defaults)
 */
export function createPackageStore(url, { keys, subscribers, updates }) {
  const clock = { lastFrameAt: 0, idleBeforeFlush: 0 }
  const realtime = createRealtime({
    url,
    WebSocket: timedWebSocket(clock),
    collections: { widgets: { updates: [BLAST_TYPE] } },
    environmentListeners: false,
    logger: silentLogger,
    config: { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 }, ...(updates ? { updates } : {}) },
  })
  const probe = createFlushProbe(realtime.actions.entitiesUpdated.type, (action) => action.payload.received ?? action.payload.updates.length)
  // Before the reducers: how long the process sat idle between the last frame and this flush.
  const flushType = realtime.actions.entitiesUpdated.type
  const idle = () => (next) => (action) => {
    if (action.type === flushType) clock.idleBeforeFlush = Math.max(0, performance.now() - clock.lastFrameAt)
    return next(action)
  }
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (getDefault) => getDefault().concat(realtime.middleware, idle, probe.middleware),
  })
  const seed = Array.from({ length: keys }, (_, k) => ({ collection: 'widgets', key: widgetKey(k), version: 0.5, value: { id: widgetKey(k), value: -1 } }))
  store.dispatch(realtime.actions.entitiesUpdated({ updates: seed, at: Date.now() }))
  const read = (state, key) => realtime.selectors.selectEntity(state, 'widgets', key)
  const listeners = addSubscribers(store, { n: subscribers, keys, read })
  return { realtime, store, probe, listeners, read, idleTailMs: () => clock.idleBeforeFlush }
}

/**
 * The package client for scenarios/peers.mjs (shape in peerClients.mjs): `progress` advanced by a
 * store listener; CONTROL requests through `realtime.request`, the blast through `actions.send`.
 */
export async function connectPackageProgress(url, { progress, keys, count, subscribers, updates }) {
  const { realtime, store, probe, listeners, read, idleTailMs } = createPackageStore(url, { keys, subscribers, updates })
  watchStore(store, progress, { keys, count, readValue: (state, key) => read(state, key)?.value })
  await whenPackageOpen(realtime, store)
  return {
    ...packageControl({ realtime, store, probe, listeners }),
    progress,
    notifications: listeners.notifications,
    flushes: probe.flushes,
    idleTailMs,
  }
}

/** CONTROL requests through `realtime.request`, the blast through `actions.send`, close by `disconnect`. */
function packageControl({ realtime, store, probe, listeners }) {
  return {
    request: (data) => store.dispatch(realtime.request('CONTROL', data, { timeout: 120_000 })).then((reply) => reply.data),
    sendBlast: (data) => {
      store.dispatch(realtime.actions.send('CONTROL', data))
      // Count only what the blast causes, not the `send` dispatch itself.
      listeners.reset()
      probe.reset()
    },
    close: async () => {
      store.dispatch(realtime.actions.disconnect())
    },
  }
}

/**
 * The package client of the BlastClient shape (blastRound.mjs): "handled" = frames that
 * entitiesUpdated actions stand for (their `payload.received`), counted by the probe after the
 * reducers ran. `store` has realtime.reducer, realtime.middleware and `probe.middleware`.
 * `extra()` checks the final state with `verify(state)` and reports notifications and flushes
 * counted from the blast to the last applied frame.
 */
export async function connectPackageEntities({ realtime, store, probe, listeners, verify }) {
  await whenPackageOpen(realtime, store)
  let snapshot = null
  return {
    ...packageControl({ realtime, store, probe, listeners }),
    whenCounted: (n) => probe.when(n, () => (snapshot = { notifications: listeners.notifications(), flushes: probe.flushes() })),
    count: () => probe.frames(),
    extra: () => {
      verify(store.getState())
      return snapshot
    },
  }
}
