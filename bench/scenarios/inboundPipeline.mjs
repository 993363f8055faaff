/**
 * The inbound pipeline. Frames from the reference server (a child
 * process) over loopback into a Redux store, in messages per second, beside baselines measured
 * in the same run, interleaved round by round:
 *
 *   floor     JSON.parse alone over the same frames, pre-built, in-process (no network)
 *   network   a `ws` client that only JSON.parses and counts (the loopback + ws + server ceiling)
 *   plain     `ws` client, JSON.parse, one store.dispatch per message (no saga)
 *   naive     a bare redux-saga eventChannel (expanding buffer) take / JSON.parse / put loop
 *   batched   a saga paying per socket read instead of per frame (what a saga design can reach)
 *   package   createRealtime(): its middleware and socket saga, as a user gets it (dist/)
 *
 * Every store has the same reducers (the package's reducer at `realtime` and a counting reducer)
 * and gets the same action per message (the package's generic `messageReceived`), so reducer
 * work is equal.
 */
import { configureStore } from '@reduxjs/toolkit'
import createSagaMiddleware from 'redux-saga'
import { WebSocket } from 'ws'
import { createRealtime, silentLogger } from '../../dist/index.js'
import { batchedSocketSaga, naiveSocketSaga } from '../lib/baselineSagas.mjs'
import { blastRound } from '../lib/blastRound.mjs'
import { connectNetworkOnly, connectPackage, connectPlainDispatch, connectSaga } from '../lib/clients.mjs'
import { BLAST_TYPE, buildBlastFrames } from '../lib/protocol.mjs'
import { rateTable } from '../lib/rateTable.mjs'
import { collectGarbage } from '../lib/rounds.mjs'
import { formatRatio } from '../lib/stats.mjs'
import { createCountingReducer, genericInboundAction } from '../lib/store.mjs'

export const title = 'Inbound pipeline'

const KEYS = 100
const TARGET = 0.8

/** The package configured for throughput: no heartbeat or wake timers, no browser listeners. */
function makeRealtime(url) {
  return createRealtime({
    url,
    WebSocket,
    environmentListeners: false,
    logger: silentLogger,
    config: { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } },
  })
}

const selectCount = (state) => state.bench.count

/** A production store with the package's reducer (middleware only if given) and the counting reducer. */
function makeStore(realtime, middleware) {
  return configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer, bench: createCountingReducer(BLAST_TYPE) },
    middleware: (getDefault) => (middleware ? getDefault().concat(middleware) : getDefault()),
  })
}

function connectWithSaga(url, saga) {
  const sagaMiddleware = createSagaMiddleware()
  const store = makeStore(makeRealtime(url), sagaMiddleware)
  return connectSaga(url, { store, sagaMiddleware, saga, toAction: genericInboundAction, selectCount })
}

/** JSON.parse over pre-built frames identical to the server's. */
function parseFloor(frames) {
  collectGarbage()
  let check = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < frames.length; i++) check += JSON.parse(frames[i]).seq
  const t1 = performance.now()
  const cpu = process.cpuUsage(cpu0)
  if (check === -1) throw new Error('unreachable')
  return { rate: (frames.length / (t1 - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / frames.length }
}

/** The variants, in display order; each runs in a process of its own (see lib/isolation.mjs). */
export const variants = [
  { name: 'floor', label: 'JSON.parse alone (in-process, floor)' },
  { name: 'network', label: 'ws receive + JSON.parse (no store)' },
  { name: 'plain', label: 'plain dispatch (ws + JSON.parse + dispatch)' },
  { name: 'naive', label: 'naive saga (eventChannel take/put)' },
  { name: 'batched', label: 'batched saga (one take per socket read)' },
  { name: 'package', label: 'rtk-realtime (createRealtime middleware)' },
]

export const usesServer = true

/**
 * Sets up one variant in its host process; `run()` measures one round: `{ rate, cpuUs }`.
 * @param {string} name
 * @param {{ serverUrl: string, count: number }} ctx
 */
export async function setupVariant(name, { serverUrl: url, count }) {
  const blast = { count, keys: KEYS }
  const round = (connect) => ({ run: () => blastRound(connect, blast) })
  switch (name) {
    case 'floor': {
      const frames = buildBlastFrames(count, { keys: KEYS })
      return { run: async () => parseFloor(frames) }
    }
    case 'network':
      return round(() => connectNetworkOnly(url, { messageType: BLAST_TYPE }))
    case 'plain':
      return round(() => connectPlainDispatch(url, { store: makeStore(makeRealtime(url)), toAction: genericInboundAction, selectCount }))
    case 'naive':
      return round(() => connectWithSaga(url, naiveSocketSaga))
    case 'batched':
      return round(() => connectWithSaga(url, batchedSocketSaga))
    case 'package':
      return round(() => {
        const realtime = makeRealtime(url)
        return connectPackage({ realtime, store: makeStore(realtime, realtime.middleware), selectCount })
      })
    default:
      throw new Error(`unknown variant ${name}`)
  }
}

/**
 * The table: medians, ranges, ratios to plain dispatch and to the floor, client CPU, and the
 * target line.
 * @param {Record<string, Array<{ rate: number, cpuUs: number }>>} samples by variant name (those that ran)
 * @param {{ count: number, rounds: number, warmup: number }} ctx
 */
export function report(samples, ctx) {
  const ran = variants.filter((v) => samples[v.name])
  const table = rateTable(ran, samples, {
    ratios: [
      { name: 'plain', header: 'vs plain' },
      { name: 'floor', header: 'vs floor' },
    ],
    cpuBaseline: 'plain',
  })
  const plain = table.medians.plain ?? NaN
  const ratio = (table.medians.package ?? NaN) / plain
  const naiveRatio = (table.medians.naive ?? NaN) / plain
  const cpuRatio = (table.cpuMedians.plain ?? NaN) / (table.cpuMedians.package ?? NaN)
  const evaluated = Number.isFinite(ratio)
  return {
    title: `${title}: ${ctx.count.toLocaleString('en-US')} messages over ${KEYS} keys per round, median of ${ctx.rounds} rounds (after ${ctx.warmup} warm-up)`,
    columns: table.columns,
    rows: table.rows,
    notes: [
      'msgs/s: wall clock from sending the CONTROL blast until the last message was counted. client CPU: CPU time of the',
      'variant\'s process over the same span, per message (steadier than msgs/s when other processes compete for the cores).',
      'Each variant runs in its own process (no shared JIT state); rounds alternate between variants.',
      'The server child process caps every network row: if "ws receive + JSON.parse" is near plain dispatch, ratios are compressed.',
      `naive saga: ${formatRatio(naiveRatio)} of plain dispatch`,
      evaluated
        ? `rtk-realtime: ${formatRatio(ratio)} of plain dispatch (by CPU time per message: ${formatRatio(cpuRatio)}); ` +
          `target >= ${TARGET.toFixed(2)}x plain dispatch: ${ratio >= TARGET ? 'MET' : 'NOT MET'}`
        : 'rtk-realtime target not evaluated (BENCH_ONLY left out plain dispatch or the package)',
    ],
    ok: evaluated ? ratio >= TARGET : undefined,
  }
}
