/**
 * The package beside what Redux users pick today, on the same server, same updates, same store
 * subscribers: WIDGET_UPDATE frames over 1,000 keys from the reference server (CONTROL blast), a
 * store holding the 1,000 widgets already, 100 store subscribers each reading one widget. Every
 * variant runs in a process of its own; each round is a fresh store:
 *
 *   floor          JSON.parse alone over the same frames, in-process
 *   network        ws receive + JSON.parse, no store
 *   network-batch  the same with the updates packed 100 per BATCH frame
 *   pkg            createRealtime() with its defaults
 *   pkg-batch      the same with BATCH frames (a client that does not unpack them gets an empty row)
 *   pkg-raf        updates.BATCH_MODE 'raf' (under Node: a 16 ms timer for the frame)
 *   rtkq           RTK Query's streaming recipe (onCacheEntryAdded + updateCachedData)
 *   upsert         one createEntityAdapter().upsertOne dispatch per update (autoBatch off)
 *   upsert-auto    the same, actions from prepareAutoBatched, with RTK's autoBatchEnhancer
 *
 * Each round measures every variant twice: saturated (the server sends as fast as the socket
 * takes frames; updates/s until the subscribers saw the last one, CPU, notifications, latency)
 * and paced (BENCH_PACED_RATE updates/s, so no backlog: latency only). Latency is from the
 * server's send to the first store notification after the update is in the store (see
 * lib/latency.mjs for the clock). The slow peers blast BENCH_PEERS_SLOW_COUNT updates only.
 *   env: BENCH_PEERS_COUNT (100000), BENCH_PEERS_SLOW_COUNT (2000), BENCH_PACED_COUNT (1000),
 *        BENCH_PACED_RATE (400)
 */
import { latencyRound } from '../lib/latencyRound.mjs'
import { parseFloor } from '../lib/parseFloor.mjs'
import { connectPackageProgress } from '../lib/packageStore.mjs'
import { connectNetworkProgress, connectRtkQueryStream, connectUpsertOne, SUBSCRIBERS } from '../lib/peerClients.mjs'
import { peersReport } from '../lib/peersReport.mjs'
import { envNumber } from '../lib/stats.mjs'

export const title = 'Peers: the package beside the RTK recipes'
export const usesServer = true
export const defaultRounds = { rounds: 3, warmup: 0 }

const COUNT = envNumber('BENCH_PEERS_COUNT', 100_000)
const SLOW_COUNT = envNumber('BENCH_PEERS_SLOW_COUNT', 2_000)
const PACED_COUNT = envNumber('BENCH_PACED_COUNT', 1_000)
const PACED_RATE = envNumber('BENCH_PACED_RATE', 400)
const KEYS = 1_000
const PER_FRAME = 100

const fast = { count: COUNT }
const slow = { count: SLOW_COUNT }
export const variants = [
  { name: 'floor', label: 'JSON.parse alone (in-process, floor)', ...fast },
  { name: 'network', label: 'ws receive + JSON.parse, no store', ...fast },
  { name: 'network-batch', label: `ws receive + JSON.parse, no store, BATCH frames of ${PER_FRAME}`, ...fast, perFrame: PER_FRAME },
  { name: 'pkg', label: 'rtk-realtime, defaults', ...fast },
  { name: 'pkg-batch', label: `rtk-realtime, defaults, BATCH frames of ${PER_FRAME}`, ...fast, perFrame: PER_FRAME },
  { name: 'pkg-raf', label: "rtk-realtime, BATCH_MODE 'raf'", ...fast, updates: { BATCH_MODE: 'raf' } },
  { name: 'rtkq', label: 'RTK Query streaming recipe (onCacheEntryAdded + updateCachedData)', ...slow },
  { name: 'upsert', label: 'upsertOne per message', ...slow, autoBatch: false },
  { name: 'upsert-auto', label: 'upsertOne per message + autoBatchEnhancer', ...slow, autoBatch: true },
]

function connector(variant, url, count) {
  const options = { keys: KEYS, count }
  switch (variant.name.replace(/-batch$/, '')) {
    case 'network':
      return (progress) => connectNetworkProgress(url, { progress })
    case 'rtkq':
      return (progress) => connectRtkQueryStream(url, { progress, ...options })
    case 'upsert':
    case 'upsert-auto':
      return (progress) => connectUpsertOne(url, { progress, ...options, autoBatch: variant.autoBatch })
    default:
      return (progress) => connectPackageProgress(url, { progress, ...options, subscribers: SUBSCRIBERS, updates: variant.updates })
  }
}

export async function setupVariant(name, { serverUrl: url }) {
  const variant = variants.find((v) => v.name === name)
  if (!variant) throw new Error(`unknown variant ${name}`)
  if (name === 'floor') return parseFloor(COUNT, KEYS)
  const saturated = { url, count: variant.count, keys: KEYS, perFrame: variant.perFrame }
  const paced = { url, count: PACED_COUNT, keys: KEYS, perFrame: variant.perFrame, rate: PACED_RATE }
  // One untimed blast of a tenth of the round warms the JIT up (instead of warm-up rounds).
  const warm = Math.ceil(variant.count / 10)
  try {
    await latencyRound(connector(variant, url, warm), { ...saturated, count: warm, timeoutMs: variant.perFrame ? 20_000 : undefined })
  } catch (error) {
    // A package build that does not read BATCH frames never sees the updates: say so, measure nothing.
    if (!variant.perFrame || !/the store saw 0 of/.test(String(error))) throw error
    return { run: async () => ({ unsupported: true, progress: 'BATCH frames not read by this build' }) }
  }
  return {
    run: async () => {
      const sat = await latencyRound(connector(variant, url, variant.count), saturated)
      const pace = await latencyRound(connector(variant, url, PACED_COUNT), paced)
      const ms = (x) => x.toFixed(1)
      return { ...sat, paced: pace, progress: `${sat.rate >= 1e4 ? Math.round(sat.rate / 1e3) + 'k' : Math.round(sat.rate)}/s p99 ${ms(sat.p99)} / paced ${ms(pace.p99)} ms` }
    },
  }
}

export function report(samples, ctx) {
  return peersReport(samples, ctx, { variants, title, keys: KEYS, subscribers: SUBSCRIBERS, count: COUNT, slowCount: SLOW_COUNT, pacedCount: PACED_COUNT, pacedRate: PACED_RATE })
}
