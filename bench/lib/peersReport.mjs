/**
 * The table of scenarios/peers.mjs: one row per variant, medians over the rounds (a latency
 * cell is the median of the rounds' p50 and of their p99), ratios to the floors, and the goals
 * with MET / NOT MET.
 */
import { formatRate, formatRatio, summarizeField } from './stats.mjs'

const GOALS = { pacedP99Ms: 20, vsNetwork: 0.9, batchVsFloor: 0.6, perFlush: 1 }

const med = (samples, field) => (samples ? summarizeField(samples, field).median : NaN)
const ms = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : x.toFixed(0)) : '-')
const pair = (a, b) => (Number.isFinite(a) ? `${ms(a)} / ${ms(b)}` : '-')
const perUpdate = (x) => (x >= 0.1 ? x.toFixed(2) : x.toPrecision(2))
const verdict = (ok) => (ok ? 'MET' : 'NOT MET')

/** The goal lines (only for the rows that ran) and whether all of those were met. */
function goals(samples, floor, network) {
  const lines = []
  let ok
  const check = (name, value, pass, text) => {
    if (!samples[name] || samples[name][0].unsupported || !Number.isFinite(value)) return
    lines.push(`${text}: ${verdict(pass)}`)
    ok = (ok ?? true) && pass
  }
  const pkg = samples.pkg
  const pacedP99 = pkg ? med(pkg.map((s) => s.paced), 'p99') : NaN
  check('pkg', pacedP99, pacedP99 <= GOALS.pacedP99Ms, `defaults, paced p99 ${ms(pacedP99)} ms (goal <= ${GOALS.pacedP99Ms} ms)`)
  const vsNetwork = med(pkg, 'rate') / network
  check('pkg', vsNetwork, vsNetwork >= GOALS.vsNetwork, `defaults, saturated ${formatRatio(vsNetwork)} of "ws receive + JSON.parse, no store" (goal >= ${GOALS.vsNetwork}x)`)
  const perFlush = pkg ? med(pkg.map((s) => ({ v: s.notifications / s.flushes })), 'v') : NaN
  check('pkg', perFlush, perFlush <= GOALS.perFlush, `defaults, ${perFlush.toFixed(2)} store notifications per flush (goal <= ${GOALS.perFlush})`)
  const batchVsFloor = samples['pkg-batch']?.[0].unsupported ? NaN : med(samples['pkg-batch'], 'rate') / floor
  check('pkg-batch', batchVsFloor, batchVsFloor >= GOALS.batchVsFloor, `BATCH frames, socket to store ${formatRatio(batchVsFloor)} of the JSON.parse floor (goal >= ${GOALS.batchVsFloor}x)`)
  return { lines, ok }
}

/** How much idle batch-window wait the package rows' rates leave out, and their end-to-end rates. */
function tailNote(samples, variants) {
  const rows = variants.filter((v) => samples[v.name]?.[0]?.idleTailMs !== undefined)
  if (rows.length === 0) return []
  const cell = (v) => `${v.name} ${ms(med(samples[v.name], 'idleTailMs'))} ms (${formatRate(med(samples[v.name], 'endToEndRate'))}/s)`
  return [`updates/s of the package rows leave out the idle wait between the last frame and the flush that applies it (the batch window's timer; latency, not throughput). Median wait per round (end-to-end rate with it): ${rows.map(cell).join(', ')}.`]
}

export function peersReport(samples, ctx, { variants, title, keys, subscribers, count, slowCount, pacedCount, pacedRate }) {
  const floor = med(samples.floor, 'rate')
  const network = med(samples.network, 'rate')
  const rows = variants.filter((v) => samples[v.name]).map((v) => {
    const s = samples[v.name]
    if (s[0].unsupported) return [v.label, s[0].progress, ...Array(7).fill('-')]
    const { min, max } = summarizeField(s, 'rate')
    const rate = med(s, 'rate')
    const hasStore = s[0].notifications !== undefined && !v.name.startsWith('network')
    const paced = s[0].paced ? s.map((x) => x.paced) : null
    return [
      v.label,
      formatRate(rate),
      `${formatRate(min)} - ${formatRate(max)}`,
      formatRatio(rate / floor),
      formatRatio(rate / network),
      paced ? pair(med(paced, 'p50'), med(paced, 'p99')) : '-',
      s[0].p50 === undefined ? '-' : pair(med(s, 'p50'), med(s, 'p99')),
      hasStore ? perUpdate(med(s, 'notifications') / v.count) : '-',
      med(s, 'cpuUs').toFixed(2),
    ]
  })
  const { lines, ok } = goals(samples, floor, network)
  const clocks = variants.flatMap((v) => (samples[v.name] ?? []).flatMap((s) => (s.paced ? [s, s.paced] : [s]))).filter((s) => s.clockOffset !== undefined)
  const worst = clocks.reduce((a, b) => (Math.abs(b.clockOffset) > Math.abs(a?.clockOffset ?? 0) ? b : a), null)
  return {
    title: `${title}: ${keys.toLocaleString('en-US')} keys, ${subscribers} subscribers, median of ${ctx.rounds} rounds`,
    columns: [
      { header: 'scenario' }, { header: 'updates/s saturated', align: 'right' }, { header: 'min - max', align: 'right' },
      { header: 'vs floor', align: 'right' }, { header: 'vs network', align: 'right' },
      { header: `paced ${pacedRate}/s p50 / p99 ms`, align: 'right' }, { header: 'saturated p50 / p99 ms', align: 'right' },
      { header: 'notifications per update', align: 'right' }, { header: 'client CPU us/update', align: 'right' },
    ],
    rows,
    notes: [
      `saturated: ${count.toLocaleString('en-US')} updates sent as fast as the socket takes them (${slowCount.toLocaleString('en-US')} for the RTK Query and upsertOne rows), until the subscribers saw the last; paced: ${pacedCount.toLocaleString('en-US')} updates at ${pacedRate}/s.`,
      ...tailNote(samples, variants),
      'latency: server send to the first store notification that finds the update in the store; saturated latency includes the queue ahead of the update.',
      'clocks: server and client read performance.timeOrigin + performance.now(); ' +
        (worst ? `largest offset measured between them ${worst.clockOffset.toFixed(2)} ms (CONTROL clock, +/- ${(worst.clockRtt / 2).toFixed(2)} ms, half its round trip).` : 'offset not measured.'),
      ...lines,
    ],
    ok,
  }
}
