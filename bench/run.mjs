/**
 * `npm run bench`: runs every scenario in bench/scenarios/ (alphabetical order, or only those
 * named on the command line) and prints each one's table. Nothing is written to disk.
 *
 *   NODE_ENV=production node --expose-gc bench/run.mjs [scenario ...]
 *   env: BENCH_COUNT        messages per round (default 100000)
 *        BENCH_ROUNDS       measured rounds (default 7), after BENCH_WARMUP warm-up rounds (default 2: the plain-dispatch path is still speeding up after one)
 *        BENCH_ONLY         comma list of variant names to run (e.g. `plain,package`)
 *        BENCH_CPU_PROF_DIR write a .cpuprofile per variant process into this directory
 *
 * A scenario module exports:
 *   title, usesServer (start the shared reference server, see lib/server.mjs),
 *   variants: [{ name, label }],
 *   setupVariant(name, ctx) -> { run(): Promise<sample>, teardown?() }   (runs in the variant's own process)
 *   report(samplesByName, ctx) -> { title, columns, rows, notes?, ok? }  (see lib/table.mjs; ok: false = target missed),
 *                                    or an array of such tables
 *   optional: defaultRounds: { rounds, warmup } (used unless BENCH_ROUNDS / BENCH_WARMUP are set);
 *             a sample's `progress` string replaces the rate in the per-round progress line
 * ctx is `{ count, rounds, warmup, serverUrl }`. Rounds alternate between variants (lib/rounds.mjs).
 */
import { existsSync, readdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { killAllChildren } from './lib/children.mjs'
import { startVariantHost } from './lib/isolation.mjs'
import { runInterleaved } from './lib/rounds.mjs'
import { startReferenceServer } from './lib/server.mjs'
import { formatRate } from './lib/stats.mjs'
import { printTable } from './lib/table.mjs'

const SCENARIOS_DIR = fileURLToPath(new URL('./scenarios/', import.meta.url))
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const log = (line) => process.stderr.write(line + '\n')
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')

function intFromEnv(name, fallback, min) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${raw}`)
  return value
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllChildren()
    process.exit(130)
  })
}

/** Runs one scenario file: a process per variant, interleaved rounds, then its report. */
async function runScenario(file, options) {
  const path = SCENARIOS_DIR + file
  const scenario = await import(pathToFileURL(path).href)
  const selected = options.only ? scenario.variants.filter((v) => options.only.includes(v.name)) : scenario.variants
  if (selected.length === 0) {
    log(`${file}: no variant matches BENCH_ONLY=${options.only.join(',')}; skipped`)
    return null
  }
  // A scenario may export `defaultRounds: { rounds, warmup }`; BENCH_ROUNDS / BENCH_WARMUP still win.
  const rounds = process.env.BENCH_ROUNDS ? options.rounds : scenario.defaultRounds?.rounds ?? options.rounds
  const warmup = process.env.BENCH_WARMUP ? options.warmup : scenario.defaultRounds?.warmup ?? options.warmup
  const ctx = { count: options.count, rounds, warmup, serverUrl: null }
  if (scenario.usesServer) ctx.serverUrl = (await options.server()).url
  log(`\n${scenario.title ?? file}: starting ${selected.length} variant processes`)
  const hosts = []
  try {
    if (scenario.usesServer) {
      // One at a time: a setup may blast the shared server (warm-up) and needs it to itself.
      for (const v of selected) hosts.push(await startVariantHost(path, v.name, ctx))
    } else {
      // In parallel (setup is untimed; pendingOps builds 10,000 ops); every started host is stopped below.
      const started = await Promise.allSettled(selected.map((v) => startVariantHost(path, v.name, ctx)))
      for (const result of started) if (result.status === 'fulfilled') hosts.push(result.value)
      const failed = started.find((result) => result.status === 'rejected')
      if (failed) throw failed.reason
    }
    const samples = await runInterleaved(
      selected.map((v, i) => ({ name: v.name, run: () => hosts[i].run() })),
      {
        rounds: ctx.rounds,
        warmup: ctx.warmup,
        onRound: (i, values) => {
          const what = i < 0 ? 'warm-up' : `round ${i + 1}/${ctx.rounds}`
          const show = (sample) =>
            sample.progress ?? formatRate(sample.rate) + (sample.cpuUs === undefined ? '' : ` (${sample.cpuUs.toFixed(1)} us)`)
          log(`  ${what}: ` + selected.map((v) => `${v.name} ${show(values[v.name])}`).join(', '))
        },
      },
    )
    return scenario.report(samples, ctx)
  } finally {
    await Promise.all(hosts.map((host) => host.stop()))
  }
}

async function main() {
  if (process.env.NODE_ENV !== 'production') {
    throw new Error('run with NODE_ENV=production (RTK development checks make every dispatch ~17x slower): npm run bench')
  }
  if (!existsSync(DIST)) throw new Error('dist/index.js is missing: run `npm run build` first (npm run bench does)')
  const wanted = process.argv.slice(2)
  const files = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.mjs')).sort()
  const selected = wanted.length === 0 ? files : files.filter((f) => wanted.includes(f.replace(/\.mjs$/, '')))
  if (selected.length === 0) throw new Error(`no scenario matches ${wanted.join(', ')}; have ${files.join(', ')}`)

  let server = null
  const options = {
    count: intFromEnv('BENCH_COUNT', 100_000, 1),
    rounds: intFromEnv('BENCH_ROUNDS', 7, 1),
    warmup: intFromEnv('BENCH_WARMUP', 2, 0),
    only: process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((s) => s.trim()) : null,
    /** The shared reference server, started on first use. */
    server: () => (server ??= startReferenceServer()),
  }

  console.log(`rtk-realtime bench: node ${process.version}, ${cpus().length} cores, NODE_ENV=${process.env.NODE_ENV}, load average ${load()}`)
  let missed = 0
  const started = performance.now()
  try {
    for (const file of selected) {
      const t0 = performance.now()
      const result = await runScenario(file, options)
      if (!result) continue
      const tables = Array.isArray(result) ? result : [result]
      for (const table of tables) printTable(table)
      const busy = loadavg()[0]
      if (busy > cpus().length) {
        console.log(`(machine busy: load average ${busy.toFixed(2)} on ${cpus().length} cores; wall-clock rates are noisy, the CPU columns less so)`)
      }
      if (tables.some((table) => table.ok === false)) missed++
      log(`  (${file} took ${((performance.now() - t0) / 1000).toFixed(1)} s)`)
    }
  } finally {
    if (server) await (await server).stop()
  }
  console.log(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(1)} s, load average now ${load()}` +
    (missed > 0 ? `; ${missed} scenario(s) missed a target` : ''))
}

main().catch((error) => {
  console.error(error)
  killAllChildren()
  process.exitCode = 1
})
