#!/usr/bin/env node
/**
 * Bundle budgets: bundles each public entry of the built package (dist/) the way a user's bundler
 * would (ESM, browser, minified, peers external, our own dependencies such as idb included), gzips
 * it at level 9 and fails when an entry is over its budget. `--analyze` also bundles the entry's
 * source and lists the folders and files that weigh most in it (minified bytes).
 *
 * Run after `npm run build` (npm test does): the figure is for what ships, not for src/.
 */
import { build } from 'esbuild'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Sizes in bytes of min+gz (kB = 1000 bytes, as size-limit and bundlephobia print). `budget` fails
 * the check: a ceiling a little above today's figure, so that growth is a decision. `goal` is the
 * size asked for (RTK Query's core is 14.2 kB), printed with the way still to go.
 */
const entries = [
  { name: 'rtk-realtime', file: 'dist/index.js', source: 'src/index.ts', budget: 39_000, goal: 15_000 },
  { name: 'rtk-realtime/react', file: 'dist/react/index.js', source: 'src/react/index.ts', budget: 3_000, goal: 2_000 },
]

/** What a user of the package already has: the peers (and their subpaths). */
const peers = ['@reduxjs/toolkit', 'redux-saga', 'react', 'react-dom', 'react-redux']
const external = peers.flatMap((peer) => [peer, `${peer}/*`])

const analyze = process.argv.includes('--analyze')
const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`

/** The entry bundled as a production build of a user's app would bundle it. */
function bundle(path, metafile = false) {
  return build({
    entryPoints: [path],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    metafile,
    external,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  })
}

async function measure(entry) {
  const path = join(root, entry.file)
  if (!existsSync(path)) throw new Error(`check-size: ${entry.file} is missing; run \`npm run build\` first`)
  const code = (await bundle(path)).outputFiles[0].contents
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length }
}

/** What weighs most: the source bundled the same way, by folder and by file (minified bytes, before gzip). */
async function printContributors(entry) {
  const { metafile } = await bundle(join(root, entry.source), true)
  const [output] = Object.values(metafile.outputs)
  const files = Object.entries(output.inputs)
    .map(([input, { bytesInOutput }]) => [input.replace(/^.*node_modules\//, 'node_modules/'), bytesInOutput])
    .filter(([, bytes]) => bytes > 0)
  const folders = new Map()
  for (const [input, bytes] of files) {
    const folder = input.startsWith('node_modules/') ? input.split('/').slice(0, 2).join('/') : dirname(input)
    folders.set(folder, (folders.get(folder) ?? 0) + bytes)
  }
  const print = (rows, count) => {
    for (const [name, bytes] of rows.sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`    ${String(bytes).padStart(7)} B  ${name}`)
  }
  console.log('  by folder:')
  print([...folders], 20)
  console.log('  by file:')
  print(files, 20)
}

let failed = false
for (const entry of entries) {
  const { min, gz } = await measure(entry)
  const over = gz > entry.budget
  failed ||= over
  const goal = gz <= entry.goal ? `goal ${kB(entry.goal)} met` : `goal ${kB(entry.goal)}: ${kB(gz - entry.goal)} to go`
  console.log(
    `${over ? 'FAIL' : 'ok  '} ${entry.name.padEnd(20)} ${kB(gz).padStart(9)} min+gz, ${kB(min)} min (budget ${kB(entry.budget)}; ${goal})`,
  )
  if (analyze) await printContributors(entry)
}
if (failed) {
  console.error('check-size: an entry is over its budget (scripts/check-size.mjs); `npm run check:size -- --analyze` lists what weighs most')
  process.exit(1)
}
