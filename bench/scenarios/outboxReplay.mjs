/**
 * Persisted outbox: "Replay of 1,000 queued ops to the reference server after reconnect:
 * time until all are confirmed." Against the shared reference server (lib/server.mjs, a child
 * process on 127.0.0.1). Variants, each in a process of its own:
 *
 *   replay     a store on memoryStorage() (websocket.AUTO_CONNECT false) queues 1,000 updateWidget
 *              ops on 1,000 widget keys while disconnected; timed from dispatch(connect()) until
 *              selectPendingCount is 0 (every op ACKed and confirmed)
 *   replay-nostorage  the same without storage (ops in memory only): what persisting adds
 *   replay-10  the same 1,000 ops on 10 keys (100 per key: the package keeps one op per key on the
 *              wire, so each key's ops go one round trip after another)
 *   reload     the 1,000 ops (1,000 keys) are queued by a first store; a second store on the same
 *              memory storage reads them back ("after a reload"); timed from its connect() until
 *              selectPendingCount is 0. Its read-back time (store created until outbox.status is
 *              `ready` with 1,000 ops) is reported beside it
 *   echo       baseline: a package store without storage, timed from connect() over 1,000
 *              sequential `realtime.request('ECHO')` round trips
 *   raw        baseline (the floor): a raw `ws` client, timed from opening the socket until the
 *              server ACKed 1,000 WIDGET_UPDATE op frames (1,000 keys) sent at once, in the
 *              package's wire shape
 *
 * Every round makes a new store (queueing is untimed), so each replay starts from a fresh socket,
 * as after a reconnect; the socket is closed after the round. optimistic.MAX_PENDING and
 * backgroundSync.MAX_OUTBOX_SIZE (both 100 by default) are raised to 20,000 so 1,000 ops fit;
 * heartbeat and wake checks are off. After each round: no rollbacks or conflicts, storage empty.
 *   env: BENCH_REPLAY_OPS (1000)
 */
import { WebSocket } from 'ws'
import { collectGarbage } from '../lib/rounds.mjs'
import { formatRatio, summarizeField } from '../lib/stats.mjs'
import { closeSocket, openSocket } from '../lib/wsClient.mjs'
import { createPackageStore, STORAGE_NAMESPACE, whenState } from '../lib/outbox.mjs'
import { memoryStorage } from '../../dist/index.js'

export const title = 'Outbox replay'
export const usesServer = true

const OPS = Number(process.env.BENCH_REPLAY_OPS || 1_000)
const TIMEOUT_MS = 120_000
const WEBSOCKET = { AUTO_CONNECT: false, HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 }

export const variants = [
  { name: 'replay', label: `replay after connect(), ${OPS.toLocaleString('en-US')} keys`, keys: OPS },
  { name: 'replay-nostorage', label: `replay after connect(), ${OPS.toLocaleString('en-US')} keys, no storage (ops in memory only)`, keys: OPS, noStorage: true },
  { name: 'replay-10', label: `replay after connect(), 10 keys (${(OPS / 10).toLocaleString('en-US')} ops per key)`, keys: 10 },
  { name: 'reload', label: `replay after a reload (second store, same memory storage), ${OPS.toLocaleString('en-US')} keys`, keys: OPS },
  { name: 'echo', label: `baseline: ${OPS.toLocaleString('en-US')} sequential request('ECHO') round trips (package)` },
  { name: 'raw', label: `floor: raw ws, ${OPS.toLocaleString('en-US')} op frames sent at once, until ${OPS.toLocaleString('en-US')} ACKs` },
]

let round = 0
const cpuSince = (cpu0) => {
  const { user, system } = process.cpuUsage(cpu0)
  return (user + system) / 1000
}
const keyOf = (keys, i) => `r-${i % keys}`

function packageStore(url, storage) {
  return createPackageStore({ url, WebSocket, storage, config: { websocket: WEBSOCKET } })
}

/** Queues OPS ops over `keys` keys on a store that has not connected; resolves once they are stored. */
async function queueOps(t, keys) {
  await whenState(t.store, () => ['ready', 'off'].includes(t.outboxStatus()), 10_000, 'the outbox to be read back')
  round++
  for (let i = 0; i < OPS; i++) t.store.dispatch(t.realtime.actions.updateWidget({ id: keyOf(keys, i), value: round * OPS + i }))
  if (t.pending() !== OPS) throw new Error(`queued ${t.pending()} ops, expected ${OPS}`)
}

/** Connects `t` and resolves with the ms until no op is pending; checks the outcome and closes. */
async function replay(t, storage) {
  const status = (state) => t.realtime.selectors.selectConnection(state).status
  collectGarbage()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  t.store.dispatch(t.realtime.actions.connect())
  const t1 = await whenState(t.store, () => t.pending() === 0, TIMEOUT_MS, 'every op to be confirmed')
  const cpuMs = cpuSince(cpu0)
  const state = t.store.getState()
  const rollbacks = t.realtime.selectors.selectRollbacks(state).length
  const conflicts = t.realtime.selectors.selectConflicts(state).length
  if (rollbacks + conflicts > 0) throw new Error(`replay ended with ${rollbacks} rollbacks and ${conflicts} conflicts`)
  const left = storage ? storage.getAll(STORAGE_NAMESPACE).length : 0
  if (left !== 0) throw new Error(`storage still holds ${left} records after every op was confirmed`)
  t.store.dispatch(t.realtime.actions.disconnect())
  await whenState(t.store, (s) => status(s) === 'closed', 10_000, 'the socket to close')
  return { ms: t1 - t0, cpuMs }
}

async function replayRound(url, keys, noStorage) {
  const storage = noStorage ? undefined : memoryStorage()
  const t = packageStore(url, storage)
  await queueOps(t, keys)
  return replay(t, storage)
}

async function reloadRound(url) {
  const storage = memoryStorage()
  await queueOps(packageStore(url, storage), OPS) // the first page: never connected, then gone
  const r0 = performance.now()
  const t = packageStore(url, storage)
  await whenState(t.store, () => t.outboxStatus() === 'ready' && t.pending() === OPS, 10_000, `${OPS} ops to be read back`)
  const rehydrateMs = performance.now() - r0
  return { ...(await replay(t, storage)), rehydrateMs }
}

async function echoRound(url) {
  const t = packageStore(url)
  collectGarbage()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  t.store.dispatch(t.realtime.actions.connect())
  for (let i = 0; i < OPS; i++) {
    const reply = await t.store.dispatch(t.realtime.request('ECHO', { i }, { timeout: TIMEOUT_MS }))
    if (reply.data?.i !== i) throw new Error(`ECHO ${i} answered ${JSON.stringify(reply.data)}`)
  }
  const ms = performance.now() - t0
  const cpuMs = cpuSince(cpu0)
  t.store.dispatch(t.realtime.actions.disconnect())
  await whenState(t.store, (s) => t.realtime.selectors.selectConnection(s).status === 'closed', 10_000, 'the socket to close')
  return { ms, cpuMs }
}

async function rawRound(url) {
  round++
  const frames = Array.from({ length: OPS }, (_, i) =>
    JSON.stringify({ type: 'WIDGET_UPDATE', id: `raw-${round}-${i}`, attempt: 1, data: { id: keyOf(OPS, i), value: round * OPS + i, baseVersion: 0 } }))
  collectGarbage()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const ws = await openSocket(url)
  let acked = 0
  let nacked = 0
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${acked} of ${OPS} ACKs within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)
    ws.on('message', (data) => {
      const message = JSON.parse(data)
      if (message.type === 'NACK') nacked++
      if (message.type !== 'ACK' || ++acked < OPS) return
      clearTimeout(timer)
      resolve(performance.now())
    })
  })
  for (const frame of frames) ws.send(frame)
  const t1 = await done
  const cpuMs = cpuSince(cpu0)
  if (nacked > 0) throw new Error(`${nacked} NACKs`)
  await closeSocket(ws)
  return { ms: t1 - t0, cpuMs }
}

export async function setupVariant(name, { serverUrl: url }) {
  const variant = variants.find((v) => v.name === name)
  if (!variant) throw new Error(`unknown variant ${name}`)
  const run = {
    replay: () => replayRound(url, variant.keys),
    'replay-nostorage': () => replayRound(url, variant.keys, true),
    'replay-10': () => replayRound(url, variant.keys),
    reload: () => reloadRound(url),
    echo: () => echoRound(url),
    raw: () => rawRound(url),
  }[name]
  return {
    run: async () => {
      const sample = await run()
      sample.progress = `${sample.ms.toFixed(0)} ms (CPU ${sample.cpuMs.toFixed(0)})` + (sample.rehydrateMs === undefined ? '' : ` (read back ${sample.rehydrateMs.toFixed(0)} ms)`)
      return sample
    },
  }
}

export function report(samples, ctx) {
  const med = (name, field = 'ms') => (samples[name] ? summarizeField(samples[name], field).median : NaN)
  const ms = (value) => (Number.isFinite(value) ? value.toFixed(0) : '-')
  const range = (name) => {
    if (!samples[name]) return '-'
    const { min, max } = summarizeField(samples[name], 'ms')
    return `${ms(min)} - ${ms(max)}`
  }
  const echo = med('echo')
  const raw = med('raw')
  const rows = variants.map((v) => [
    v.label, ms(med(v.name)), range(v.name),
    Number.isFinite(med(v.name)) ? (med(v.name) * 1000 / OPS).toFixed(0) : '-',
    formatRatio(med(v.name) / echo), formatRatio(med(v.name) / raw),
    ms(med(v.name, 'cpuMs')), formatRatio(med(v.name, 'cpuMs') / med('raw', 'cpuMs')),
  ])
  return {
    title: `${title}: ${OPS.toLocaleString('en-US')} queued ops replayed to the reference server, ms until all are confirmed, median of ${ctx.rounds} rounds (after ${ctx.warmup} warm-up)`,
    columns: [
      { header: 'scenario' }, { header: 'median ms', align: 'right' }, { header: 'min - max', align: 'right' },
      { header: 'us per op', align: 'right' }, { header: 'vs echo', align: 'right' }, { header: 'vs raw', align: 'right' },
      { header: 'client CPU ms', align: 'right' }, { header: 'CPU vs raw', align: 'right' },
    ],
    rows,
    notes: [
      'Package rows: from dispatch(connect()) (socket opening included) until selectPendingCount is 0; ops queued while disconnected',
      '  (websocket.AUTO_CONNECT false), storage memoryStorage(); the store is made and the ops queued untimed each round.',
      `reload: read back ${ms(med('reload', 'rehydrateMs'))} ms (median; second store created until outbox.status is ready with ${OPS.toLocaleString('en-US')} ops), not in its replay figure.`,
      'echo: connect() then one request at a time, each awaited. raw: socket open until the last ACK, all frames written at once.',
      'optimistic.MAX_PENDING and backgroundSync.MAX_OUTBOX_SIZE raised from 100 to 20,000 so 1,000 ops can be queued.',
      'vs echo / vs raw: the row\'s time divided by that baseline\'s (below 1x = faster).',
      'client CPU ms: user + system CPU of the client process over the timed part (the server runs in its own process).',
    ],
  }
}
