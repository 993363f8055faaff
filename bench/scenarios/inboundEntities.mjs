/**
 * Inbound entity updates by collection size: 200,000 WIDGET_UPDATE frames from the reference
 * server (CONTROL blast) over loopback into a store with a `widgets` collection of 100, 1,000 or
 * 10,000 keys and 100 store subscribers (each reads one widget), timed until every key holds its
 * final version (the frames' `received` counts of the entitiesUpdated actions reach the blast
 * count; the final versions are checked after each round). Variants, each in a process of its own:
 *
 *   pkg-<keys>   createRealtime() with its defaults
 *   win-<keys>   updates.BATCH_MODE 'window' with BATCH_SIZE 100000: only the 200 ms window flushes
 *
 * Package stores are filled with the `keys` entities first (one entitiesUpdated at version 0.5,
 * below every blasted version), so each round runs at its collection size from the first update.
 * Each variant process runs one short untimed blast at setup (JIT warm-up), so no warm-up rounds.
 * The comparison with the floors and the RTK recipes at 1,000 keys is scenarios/peers.mjs.
 *   env: BENCH_ENTITY_COUNT (200000), BENCH_SLOW_COUNT (the 10,000-key defaults row; 200000)
 */
import { blastRound } from '../lib/blastRound.mjs'
import { widgetKey } from '../lib/entityClients.mjs'
import { connectPackageEntities, createPackageStore } from '../lib/packageStore.mjs'
import { formatInt, formatRate, formatRatio, summarizeField } from '../lib/stats.mjs'

export const title = 'Collection size'
export const usesServer = true
/** Defaults when BENCH_ROUNDS / BENCH_WARMUP are not set: six variants must fit the bench's time budget. */
export const defaultRounds = { rounds: 3, warmup: 0 }

const COUNT = Number(process.env.BENCH_ENTITY_COUNT || 200_000)
const SLOW_COUNT = Number(process.env.BENCH_SLOW_COUNT || COUNT)
const SUBSCRIBERS = 100
const SIZES = [100, 1_000, 10_000]
const WINDOW_ONLY = { BATCH_MODE: 'window', BATCH_SIZE: 100_000 }
const TARGET_SIZE = 0.5

const thousands = (n) => n.toLocaleString('en-US')
export const variants = [
  ...SIZES.map((keys) => {
    const count = keys === 10_000 ? SLOW_COUNT : COUNT
    const note = count === COUNT ? '' : `, ${thousands(count)} updates`
    return { name: `pkg-${keys}`, label: `rtk-realtime, ${thousands(keys)} keys (defaults${note})`, keys, count }
  }),
  ...SIZES.map((keys) => ({
    name: `win-${keys}`, label: `rtk-realtime, ${thousands(keys)} keys (window only: 'window', size ${thousands(WINDOW_ONLY.BATCH_SIZE)} / 200 ms)`,
    keys, count: COUNT, updates: WINDOW_ONLY,
  })),
]

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

function connectPackage(url, { keys, count, updates }) {
  const { realtime, store, probe, listeners } = createPackageStore(url, { keys, subscribers: SUBSCRIBERS, updates })
  return connectPackageEntities({ realtime, store, probe, listeners, verify: verifyFinal(realtime, keys, count) })
}

export async function setupVariant(name, { serverUrl: url }) {
  const variant = variants.find((v) => v.name === name)
  if (!variant) throw new Error(`unknown variant ${name}`)
  const { keys, count, updates } = variant
  // One untimed blast of a tenth of the round before the timed rounds.
  const warm = Math.ceil(count / 10)
  await blastRound(() => connectPackage(url, { keys, count: warm, updates }), { count: warm, keys })
  return { run: () => blastRound(() => connectPackage(url, { keys, count, updates }), { count, keys }) }
}

const med = (samples, field) => (samples ? summarizeField(samples, field).median : NaN)
const range = (samples) => {
  const { min, max } = summarizeField(samples, 'rate')
  return `${formatRate(min)} - ${formatRate(max)}`
}

export function report(samples, ctx) {
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
      const perFlush = med(s.map((x) => ({ v: x.notifications / x.flushes })), 'v')
      rows.push([v.label, formatRate(rate), range(s), formatRatio(rate / base), formatInt(med(s, 'flushes')), perFlush.toFixed(2), med(s, 'cpuUs').toFixed(2)])
    }
  }
  const ratio = ratios['pkg-10000']
  const evaluated = Number.isFinite(ratio)
  const vsDefault = (keys) => med(samples[`win-${keys}`], 'rate') / med(samples[`pkg-${keys}`], 'rate')
  return {
    title: `${title}: ${thousands(COUNT)} updates, ${SUBSCRIBERS} subscribers, median of ${ctx.rounds} rounds`,
    columns: [
      { header: 'scenario' }, { header: 'median updates/s', align: 'right' }, { header: 'min - max', align: 'right' },
      { header: 'vs 100 keys', align: 'right' }, { header: 'flushes', align: 'right' },
      { header: 'notifications per flush', align: 'right' }, { header: 'client CPU us/update', align: 'right' },
    ],
    rows,
    notes: [
      'updates/s: from sending the CONTROL blast until every key holds its final version (checked after each round).',
      'flushes: entitiesUpdated actions per round; notifications: store notifications during the blast.',
      'Window-only rounds include up to 200 ms waiting for the last window to close.',
      `window only vs defaults: ${SIZES.map((k) => `${thousands(k)} keys ${formatRatio(vsDefault(k))}`).join(', ')}; window only, 10,000 vs 100 keys: ${formatRatio(ratios['win-10000'])}`,
      evaluated
        ? `defaults, 10,000 vs 100 keys: ${formatRatio(ratio)} (goal >= ${TARGET_SIZE.toFixed(2)}x): ${ratio >= TARGET_SIZE ? 'MET' : 'NOT MET'}`
        : 'goal not evaluated (BENCH_ONLY left out pkg-100 or pkg-10000)',
    ],
    ok: evaluated ? ratio >= TARGET_SIZE : undefined,
  }
}
