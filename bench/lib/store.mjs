/**
 * Store pieces shared by the pipeline scenarios: a tiny user reducer that counts the messages of
 * one type, the generic inbound action the package dispatches for an unregistered message type,
 * and a wait for the count.
 */

/**
 * A reducer counting `${reducerPath}/connection/messageReceived` actions whose message type is
 * `messageType`: the "user code" every store in a comparison shares.
 */
export function createCountingReducer(messageType, reducerPath = 'realtime') {
  const actionType = `${reducerPath}/connection/messageReceived`
  const initial = { count: 0 }
  return (state = initial, action) =>
    action.type === actionType && action.payload.type === messageType ? { count: state.count + 1 } : state
}

/**
 * The action the package's saga dispatches for a message of an unregistered type, built by hand
 * with the same keys in the same order (see src/connection/inboundRouter.ts and
 * connectionSlice.ts `inboundMeta`; keep them in step).
 */
export function genericInboundAction(message, receivedAt, reducerPath = 'realtime') {
  const realtime = { source: reducerPath, type: message.type, receivedAt }
  if (message.seq !== undefined) realtime.seq = message.seq
  if (message.ts !== undefined) realtime.ts = message.ts
  return { type: `${reducerPath}/connection/messageReceived`, payload: message, meta: { realtime } }
}

/**
 * Resolves with `performance.now()` at the dispatch that brings `select(state)` to `n`. One store
 * listener, the same in every scenario, so its cost cancels out of the ratios.
 */
export function waitForCount(store, select, n, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {}
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`count reached ${select(store.getState())} of ${n} within ${timeoutMs} ms`))
    }, timeoutMs)
    const check = () => {
      if (select(store.getState()) < n) return
      const at = performance.now()
      unsubscribe()
      clearTimeout(timer)
      resolve(at)
    }
    unsubscribe = store.subscribe(check)
    check()
  })
}

/** Resolves once `predicate(state)` holds (checked on every dispatch). */
export function waitForState(store, predicate, timeoutMs = 10_000, what = 'state') {
  return new Promise((resolve, reject) => {
    if (predicate(store.getState())) return resolve()
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    const unsubscribe = store.subscribe(() => {
      if (!predicate(store.getState())) return
      unsubscribe()
      clearTimeout(timer)
      resolve()
    })
  })
}

/** Resolves once the package store's socket is open (`realtime` from createRealtime). */
export function whenPackageOpen(realtime, store) {
  const status = (state) => realtime.selectors.selectConnection(state).status
  return waitForState(store, (state) => status(state) === 'open', 10_000, 'the package socket to open')
}
