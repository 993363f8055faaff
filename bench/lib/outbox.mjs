/**
 * Pieces shared by the persisted-outbox scenarios (outboxEnqueue, outboxReplay): the widget
 * collection and mutation, a package store factory, an IndexedDB adapter on fake-indexeddb, a
 * storage wrapper that hands back what each call returned (so a bench can await a write's commit),
 * and a waiter for the pending count.
 *
 * fake-indexeddb: `indexedDbStorage` uses idb's `wrap`, which needs the IndexedDB classes
 * (IDBRequest, IDBKeyRange, ...) as globals, hence `fake-indexeddb/auto`; the factory itself is a
 * fresh `new IDBFactory()` per adapter, passed as `indexedDbStorage({ indexedDB })`. It is an
 * in-memory implementation: its "commit" is JavaScript scheduling, not a disk flush.
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { configureStore } from '@reduxjs/toolkit'
import { createRealtime, indexedDbStorage, memoryStorage, silentLogger } from '../../dist/index.js'

/** The widget collection and the one mutation the scenarios make ops of (sent as WIDGET_UPDATE). */
export const widgetOptions = {
  collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
  mutations: {
    updateWidget: {
      collection: 'widgets',
      message: 'WIDGET_UPDATE',
      apply: (widget, { value }) => {
        if (widget) widget.value = value
      },
    },
  },
}

/** Both limits default to 100; the scenarios hold up to 1,001 ops. */
export const OUTBOX_LIMITS = { optimistic: { MAX_PENDING: 20_000 }, backgroundSync: { MAX_OUTBOX_SIZE: 20_000 } }

/** The outbox namespace the scenarios use, and its storage namespace (`<reducerPath>:<namespace>`). */
export const NAMESPACE = 'bench'
export const STORAGE_NAMESPACE = `realtime:${NAMESPACE}`

/** A fresh adapter: `memoryStorage()`, or `indexedDbStorage` on a fresh fake-indexeddb factory. */
export function createAdapter(kind) {
  if (kind === 'memory') return memoryStorage()
  if (kind === 'indexeddb') return indexedDbStorage({ indexedDB: new IDBFactory(), dbName: 'rtk-realtime-bench' })
  throw new Error(`unknown adapter ${kind}`)
}

/**
 * `inner` with every call recorded: `take()` returns (and forgets) what the calls made since the
 * last `take()` returned (undefined for a synchronous adapter, a promise for an asynchronous one)
 * with their kinds and bytes; `idle()` resolves once every call made so far, and any call those
 * set off, has settled. The wrapper adds one array push per call.
 */
export function trackedStorage(inner) {
  let calls = []
  const outstanding = new Set()
  const record = (kind, bytes, result) => {
    calls.push({ kind, bytes, result })
    if (result && typeof result.then === 'function') {
      outstanding.add(result)
      const forget = () => outstanding.delete(result)
      result.then(forget, forget)
    }
    return result
  }
  return {
    storage: {
      name: inner.name,
      getAll: (namespace) => inner.getAll(namespace),
      set: (namespace, key, value) => record('set', value.length, inner.set(namespace, key, value)),
      delete: (namespace, key) => record('delete', 0, inner.delete(namespace, key)),
      clear: (namespace) => record('clear', 0, inner.clear(namespace)),
    },
    take() {
      const taken = calls
      calls = []
      return taken
    },
    async idle() {
      // The package's write queue starts a key's next write when the previous one settled, so a
      // settled set can still set off a delete: look again after a macrotask until nothing is left.
      for (;;) {
        if (outstanding.size > 0) await Promise.allSettled([...outstanding])
        await new Promise((resolve) => setImmediate(resolve))
        if (outstanding.size === 0) return
      }
    },
  }
}

/**
 * A store with the package's reducer and middleware. `storage` (optional) turns the persisted
 * outbox on under {@link NAMESPACE}; `config` is merged over the outbox limits.
 */
export function createPackageStore({ storage, config = {}, url, WebSocket } = {}) {
  const realtime = createRealtime({
    ...widgetOptions,
    ...(url ? { url, WebSocket } : {}),
    ...(storage ? { storage, outbox: { namespace: NAMESPACE } } : {}),
    environmentListeners: false,
    logger: silentLogger,
    config: { ...OUTBOX_LIMITS, ...config },
  })
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (getDefault) => getDefault().concat(realtime.middleware),
  })
  const pending = () => realtime.selectors.selectPendingCount(store.getState())
  const outboxStatus = () => store.getState()[realtime.reducerPath].outbox.status
  return { realtime, store, pending, outboxStatus }
}

/**
 * Resolves with `performance.now()` at the first dispatch after which `predicate(state)` holds
 * (checked on every store notification; resolves at once if it already holds).
 */
export function whenState(store, predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    if (predicate(store.getState())) return resolve(performance.now())
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    const unsubscribe = store.subscribe(() => {
      if (!predicate(store.getState())) return
      const at = performance.now()
      unsubscribe()
      clearTimeout(timer)
      resolve(at)
    })
  })
}
