/**
 * Latency from the server's send to the store, across processes.
 *
 * Clock: both sides read `performance.timeOrigin + performance.now()` (ms since the epoch, sub-ms
 * resolution; the system clock is read once at each process's start, to the microsecond). The
 * server records the send time of every blasted message (CONTROL `blastTimes`); the client records,
 * at each store notification, how many updates (in blast order) the store holds by then. Updates
 * are applied in order, so update i's latency is the time of the first notification that saw it
 * minus its send time. `clockOffset` checks that the two clocks agree (CONTROL `clock`, half a
 * round trip of uncertainty).
 */
import { closeSocket, createControl, openSocket } from './wsClient.mjs'
import { widgetKey } from './entityClients.mjs'

/** This process's clock on the same scale as the server's send times. */
export const clockNow = () => performance.timeOrigin + performance.now()

/**
 * Counts how far into a blast of `count` updates the client got: `advance(n)` records "updates
 * 0..n-1 are in" with the time; `done` resolves with performance.now() when all are.
 */
export function createProgress(count) {
  let next = 0
  const upto = []
  const at = []
  let resolve = () => {}
  const done = new Promise((r) => (resolve = r))
  return {
    get next() {
      return next
    },
    advance(n) {
      if (n <= next) return
      next = n
      upto.push(n)
      at.push(clockNow())
      if (n >= count) resolve(performance.now())
    },
    marks: () => ({ upto, at }),
    done,
  }
}

/**
 * A store listener that advances `progress` while the widget of the next update holds that
 * update's value or a later one: blast update i writes `value: i` to key `w-(i % keys)`.
 * `readValue(state, key)` returns the stored widget's `value`.
 */
export function watchStore(store, progress, { keys, count, readValue }) {
  return store.subscribe(() => {
    const state = store.getState()
    let n = progress.next
    while (n < count && (readValue(state, widgetKey(n % keys)) ?? -1) >= n) n++
    progress.advance(n)
  })
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** p50 / p99 / max ms per update from the progress marks and the server's send times. */
export function latencyOf({ upto, at }, { origin, micros }) {
  const latencies = new Float64Array(micros.length)
  let i = 0
  for (let k = 0; k < upto.length; k++) {
    for (; i < upto[k]; i++) latencies[i] = at[k] - (origin + micros[i] / 1000)
  }
  if (i !== micros.length) throw new Error(`latency: ${i} updates seen, the server sent ${micros.length}`)
  latencies.sort()
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] }
}

/**
 * Server clock minus this one, from the quickest of `pings` CONTROL clock round trips (the first
 * ones on a fresh socket are slow): `{ clockOffset, clockRtt }` in ms.
 */
async function clockOffset(control, pings = 5) {
  let best = { clockOffset: NaN, clockRtt: Infinity }
  for (let k = 0; k < pings; k++) {
    const t0 = clockNow()
    const { now } = await control.request({ op: 'clock' })
    const t1 = clockNow()
    if (t1 - t0 < best.clockRtt) best = { clockOffset: now - (t0 + t1) / 2, clockRtt: t1 - t0 }
  }
  return best
}

/**
 * After a round (the client under test may still be connected: this socket opens after the blast),
 * reads the blast's send times and the clock offset over a socket of its own.
 * @returns {Promise<{ p50: number, p99: number, max: number, clockOffset: number, clockRtt: number }>}
 */
export async function serverLatency(url, marks) {
  const ws = await openSocket(url)
  const control = createControl((text) => ws.send(text))
  ws.onmessage = (event) => control.handleReply(JSON.parse(event.data))
  try {
    const times = await control.request({ op: 'blastTimes' })
    return { ...latencyOf(marks, times), ...(await clockOffset(control)) }
  } finally {
    await closeSocket(ws)
  }
}
