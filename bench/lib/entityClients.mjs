/**
 * Pieces every entity-collection store of the benchmarks shares (the clients are in
 * packageStore.mjs and peerClients.mjs): the widget keys, the store subscribers (each reading one
 * widget by key, plus one counting store notifications) and a probe counting flush actions.
 */

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
