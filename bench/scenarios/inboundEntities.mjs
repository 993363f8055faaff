/**
 * Issue 3, "Performance": inbound entity updates and collection size. 200,000 WIDGET_UPDATE frames
 * from the reference server (CONTROL blast) over loopback into a store with a `widgets` collection
 * and 100 store subscribers (each reads one widget), timed until every key holds its final
 * version (the frames' `received` counts of the entitiesUpdated actions reach the blast count;
 * the final versions are checked after each round). Variants, each in a process of its own:
 *
 *   floor        JSON.parse alone over the same frames, in-process
 *   network      ws receive + JSON.parse, no store (the loopback + server ceiling)
 *   dispatch     one dispatch per update: ws + JSON.parse + createEntityAdapter().upsertOne into a
 *                store pre-filled with the 1,000 entities (slow: BENCH_DISPATCH_COUNT updates only)
 *   pkg-<keys>   createRealtime() default configuration (BATCH_SIZE 50, BATCH_DELAY 200 ms)
 *   win-<keys>   the same with updates.BATCH_SIZE 100000: only the 200 ms window flushes
 *
 * Package stores are filled with the `keys` entities first (one entitiesUpdated at version 0.5,
 * below every blasted version), so each round runs at its collection size from the first update.
 * pkg-10000 blasts BENCH_SLOW_COUNT updates only: it runs at about a tenth of the others' rate.
 * Two tables: the inbound targets at 1,000 keys, and throughput by collection size.
 * Each variant process runs one short untimed blast at setup (JIT warm-up), so no warm-up rounds.
 *   env: BENCH_ENTITY_COUNT (200000), BENCH_DISPATCH_COUNT (500), BENCH_SLOW_COUNT (10000)
 */
import { configureStore } from '@reduxjs/toolkit'
import { blastRound } from '../lib/blastRound.mjs'
import { connectNetworkOnly } from '../lib/clients.mjs'
import {
  addSubscribers, connectAdapterDispatch, connectPackageEntities, createAdapterSlice, widgetKey,
} from '../lib/entityClients.mjs'
import { createPackageStore } from '../lib/packageStore.mjs'
import { parseFloor } from '../lib/parseFloor.mjs'
import { BLAST_TYPE } from '../lib/protocol.mjs'
import { formatInt, formatRate, formatRatio, summarizeField } from '../lib/stats.mjs'

export const title = 'Inbound entity updates (issue 3)'
export const usesServer = true
/** Defaults when BENCH_ROUNDS / BENCH_WARMUP are not set: nine variants must fit the bench's time budget. */
export const defaultRounds = { rounds: 3, warmup: 0 }

const COUNT = Number(process.env.BENCH_ENTITY_COUNT || 200_000)
const DISPATCH_COUNT = Number(process.env.BENCH_DISPATCH_COUNT || 500)
const SLOW_COUNT = Number(process.env.BENCH_SLOW_COUNT || 10_000)
const KEYS = 1_000
const SUBSCRIBERS = 100
const SIZES = [100, 1_000, 10_000]
const WINDOW_ONLY_BATCH_SIZE = 100_000
const TARGET_FLOOR = 0.6
const TARGET_SIZE = 1 / 3

export const variants = [
  { name: 'floor', label: 'JSON.parse alone (in-process, floor)' },
  { name: 'network', label: 'ws receive + JSON.parse (no store)' },
  { name: 'dispatch', label: `one dispatch per update (upsertOne, ${DISPATCH_COUNT.toLocaleString('en-US')} updates)` },
  ...SIZES.map((keys) => {
    const count = keys === 10_000 ? SLOW_COUNT : COUNT
    const note = count === COUNT ? '' : `, ${count.toLocaleString('en-US')} updates`
    return { name: `pkg-${keys}`, label: `rtk-realtime, ${keys.toLocaleString('en-US')} keys (default: size 50 / 200 ms${note})`, keys, count }
  }),
  ...SIZES.map((keys) => ({ name: `win-${keys}`, label: `rtk-realtime, ${keys.toLocaleString('en-US')} keys (window only: size ${WINDOW_ONLY_BATCH_SIZE} / 200 ms)`, keys, count: COUNT })),
]

const readWidget = (realtime) => (state, key) => realtime.selectors.selectEntity(state, 'widgets', key)

/** Throws unless every key holds the version (and value) of its last blasted update. */
function verifyFinal(realtime, keys, count) {
  return (state) => {
    for (let i = Math.max(0, count - keys); i < count; i++) {
      const record = realtime.selectors.selectEntityRecord(state, 'widgets', widgetKey(i % keys))
      if (record?.version !== i + 1 || record.view?.value !== i) {
        throw new Error(`widget ${widgetKey(i % keys)}: expected version ${i + 1}, got ${JSON.stringify(record)}`)
      }
    }
  }
}

function connectPackage(url, { keys, count }, updates) {
  const { realtime, store, probe, listeners } = createPackageStore(url, { keys, subscribers: SUBSCRIBERS, updates })
  return connectPackageEntities({ realtime, store, probe, listeners, verify: verifyFinal(realtime, keys, count) })
}

/** The one-dispatch-per-update store, built once: 1,000 entities already in, the same subscribers. */
function adapterStore() {
  const slice = createAdapterSlice()
  const store = configureStore({ reducer: { widgets: slice.reducer } })
  for (let k = 0; k < KEYS; k++) store.dispatch(slice.actions.upsert({ id: widgetKey(k), value: -1, version: 0 }))
  addSubscribers(store, { n: SUBSCRIBERS, keys: KEYS, read: (state, key) => state.widgets.entities[key] })
  return { store, upsert: slice.actions.upsert }
}

export async function setupVariant(name, { serverUrl: url }) {
  if (name === 'floor') {
    return parseFloor(COUNT, KEYS)
  }
  if (name === 'network') return warmed(() => connectNetworkOnly(url, { messageType: BLAST_TYPE }), { count: COUNT, keys: KEYS })
  if (name === 'dispatch') {
    const { store, upsert } = adapterStore()
    return warmed(() => connectAdapterDispatch(url, { store, upsert, messageType: BLAST_TYPE }), { count: DISPATCH_COUNT, keys: KEYS })
  }
  const variant = variants.find((v) => v.name === name)
  if (!variant) throw new Error(`unknown variant ${name}`)
  const updates = name.startsWith('win-') ? { BATCH_SIZE: WINDOW_ONLY_BATCH_SIZE } : null
  return warmed((count) => connectPackage(url, { keys: variant.keys, count }, updates), { count: variant.count, keys: variant.keys })
}

/** One untimed blast of a tenth of the round before the timed rounds. */
async function warmed(connect, { count, keys }) {
  const warm = Math.ceil(count / 10)
  await blastRound(() => connect(warm), { count: warm, keys })
  return { run: () => blastRound(() => connect(count), { count, keys }) }
}

const med = (samples, field) => (samples ? summarizeField(samples, field).median : NaN)
const range = (samples) => {
  if (!samples) return '-'
  const { min, max } = summarizeField(samples, 'rate')
  return `${formatRate(min)} - ${formatRate(max)}`
}
const perFlush = (samples) => (samples ? med(samples.map((s) => ({ v: s.notifications / s.flushes })), 'v') : NaN)

function targetsTable(samples, ctx) {
  const floor = med(samples.floor, 'rate')
  const network = med(samples.network, 'rate')
  const pkg = samples['pkg-1000']
  const ratio = med(pkg, 'rate') / floor
  const notes = perFlush(pkg)
  const row = (name, extra = '-') => {
    const v = variants.find((x) => x.name === name)
    const s = samples[name]
    const rate = med(s, 'rate')
    return [v.label, s ? formatRate(rate) : '-', range(s), formatRatio(rate / floor), formatRatio(rate / network), s ? med(s, 'cpuUs').toFixed(2) : '-', extra]
  }
  const pkgFlushes = pkg ? `${notes.toFixed(2)} (${formatInt(med(pkg, 'notifications'))} / ${formatInt(med(pkg, 'flushes'))})` : '-'
  const evaluated = Number.isFinite(ratio) && Number.isFinite(notes)
  const ok = evaluated ? ratio >= TARGET_FLOOR && notes <= 1 : undefined
  const dispatchUs = 1e6 / med(samples.dispatch, 'rate')
  return {
    title: `${title}: ${COUNT.toLocaleString('en-US')} updates over ${KEYS.toLocaleString('en-US')} keys, ${SUBSCRIBERS} subscribers, median of ${ctx.rounds} rounds (after ${ctx.warmup} warm-up)`,
    columns: [
      { header: 'scenario' }, { header: 'median updates/s', align: 'right' }, { header: 'min - max', align: 'right' },
      { header: 'vs floor', align: 'right' }, { header: 'vs network', align: 'right' },
      { header: 'client CPU us/update', align: 'right' }, { header: 'notifications per flush', align: 'right' },
    ],
    rows: ['floor', 'network', 'pkg-1000', 'dispatch'].map((n) => row(n, n === 'pkg-1000' ? pkgFlushes : '-')),
    notes: [
      'updates/s: from sending the CONTROL blast until every key holds its final version (checked after each round).',
      'notifications per flush: store notifications during the blast / entitiesUpdated actions (target <= 1).',
      `one dispatch per update: ${Number.isFinite(dispatchUs) ? dispatchUs.toFixed(0) : '-'} us per update, store pre-filled with ${KEYS} entities; subscribers read state.widgets.entities[key].`,
      'The server child process caps every network row ("ws receive + JSON.parse"): the package cannot beat that row.',
      evaluated
        ? `rtk-realtime at ${KEYS} keys: ${formatRatio(ratio)} of the JSON.parse floor (target >= ${TARGET_FLOOR.toFixed(2)}x): ${ratio >= TARGET_FLOOR ? 'MET' : 'NOT MET'}; ` +
          `${notes.toFixed(2)} notifications per flush (target <= 1): ${notes <= 1 ? 'MET' : 'NOT MET'}`
        : 'targets not evaluated (BENCH_ONLY left out floor or pkg-1000)',
    ],
    ok,
  }
}

function sizeTable(samples, ctx) {
  const rows = []
  const ratios = {}
  for (const mode of ['pkg', 'win']) {
    const base = med(samples[`${mode}-100`], 'rate')
    for (const keys of SIZES) {
      const name = `${mode}-${keys}`
      const s = samples[name]
      if (!s) continue
      const v = variants.find((x) => x.name === name)
      const rate = med(s, 'rate')
      ratios[name] = rate / base
      rows.push([v.label, formatRate(rate), range(s), formatRatio(rate / base), formatInt(med(s, 'flushes')), med(s, 'cpuUs').toFixed(2)])
    }
  }
  const ratio = ratios['pkg-10000']
  const evaluated = Number.isFinite(ratio)
  const win = ratios['win-10000']
  const vsDefault = (keys) => med(samples[`win-${keys}`], 'rate') / med(samples[`pkg-${keys}`], 'rate')
  return {
    title: `Collection size (issue 3): ${COUNT.toLocaleString('en-US')} updates, ${SUBSCRIBERS} subscribers, median of ${ctx.rounds} rounds (after ${ctx.warmup} warm-up)`,
    columns: [
      { header: 'scenario' }, { header: 'median updates/s', align: 'right' }, { header: 'min - max', align: 'right' },
      { header: 'vs 100 keys', align: 'right' }, { header: 'flushes', align: 'right' }, { header: 'client CPU us/update', align: 'right' },
    ],
    rows,
    notes: [
      'flushes: entitiesUpdated actions per round (each copies the collection\'s entity map once).',
      'Window-only rounds include up to 200 ms waiting for the last window to close.',
      `window only vs default: ${SIZES.map((k) => `${k} keys ${formatRatio(vsDefault(k))}`).join(', ')}; window only, 10,000 vs 100 keys: ${formatRatio(win)}`,
      evaluated
        ? `default configuration, 10,000 vs 100 keys: ${formatRatio(ratio)} (target >= ${TARGET_SIZE.toFixed(2)}x): ${ratio >= TARGET_SIZE ? 'MET' : 'NOT MET'}`
        : 'target not evaluated (BENCH_ONLY left out pkg-100 or pkg-10000)',
    ],
    ok: evaluated ? ratio >= TARGET_SIZE : undefined,
  }
}

/** Two tables (see run.mjs: a report may return an array). */
export function report(samples, ctx) {
  return [targetsTable(samples, ctx), sizeTable(samples, ctx)]
}
