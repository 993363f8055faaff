#!/usr/bin/env node
/**
 * Bundle budgets: bundles each public entry of the built package (dist/) the way a user's bundler
 * would (ESM, browser, minified, peers external, our own dependencies included), gzips it at level 9
 * and fails when an entry is over its budget. `--analyze` also bundles the entry's source and lists
 * the folders and files that weigh most in it (minified bytes).
 *
 * The React entry is measured as what it adds to an app that has the core, which is how a user's
 * bundler sees it: every user of the hooks imports `createRealtime` too (the hooks read its
 * instance), and the code both entries use is a shared chunk of dist/ that the bundler includes
 * once. The figure is the core and the React entry bundled together, minus the core alone (gzip then
 * also shares its dictionary between the two, as in the app's bundle). The entry alone, with the
 * core's chunks external (as size-limit would measure it), is printed beside it. `--analyze` lists
 * apart the source files the core entry has too.
 *
 * Run after `npm run build` (npm test does): the figure is for what ships, not for src/.
 */
import { build } from 'esbuild'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Sizes in bytes of min+gz (kB = 1000 bytes, as size-limit and bundlephobia print). `budget` fails
 * the check: a ceiling a little above today's figure, so that growth is a decision. `goal` is the
 * size asked for (RTK Query's core is 14.2 kB), printed with the way still to go.
 */
const entries = [
  { name: 'rtk-realtime', file: 'dist/index.js', source: 'src/index.ts', budget: 39_500, goal: 15_000 },
  { name: 'rtk-realtime/react', file: 'dist/react/index.js', source: 'src/react/index.ts', budget: 2_000, goal: 2_000, withCore: true },
]
const [core] = entries

/** What a user of the package already has: the peers (and their subpaths). */
const peers = ['@reduxjs/toolkit', 'redux-saga', 'react', 'react-dom', 'react-redux']
const external = peers.flatMap((peer) => [peer, `${peer}/*`])

const analyze = process.argv.includes('--analyze')
const kB = (bytes) => `${(bytes / 1000).toFixed(3)} kB`

/** The dist chunks the core entry imports (tsup puts the code both entries use there). */
function coreChunks() {
  const code = readFileSync(join(root, core.file), 'utf8')
  return new Set([...code.matchAll(/from\s*["']\.\/(chunk-[\w-]+\.js)["']/g)].map(([, chunk]) => join(root, 'dist', chunk)))
}

/** Leaves `files` out of the bundle, as imports (a bundler includes them once, with the core). */
function externalFiles(files) {
  return {
    name: 'core-external',
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => (files.has(resolve(args.resolveDir, args.path)) ? { path: args.path, external: true } : undefined))
    },
  }
}

/** The entry (a file, or `contents` importing files of the package) bundled as a production build of a user's app would bundle it. */
function bundle({ path, contents, metafile = false, plugins = [] }) {
  return build({
    ...(contents === undefined ? { entryPoints: [path] } : { stdin: { contents, resolveDir: root, loader: 'js' } }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    metafile,
    external,
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins,
    logLevel: 'silent',
  })
}

async function sizes(options) {
  const code = (await bundle(options)).outputFiles[0].contents
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length }
}

// The core is measured on its own and again under the React entry: bundle it once per run.
const memo = new Map()
function once(key, compute) {
  if (!memo.has(key)) memo.set(key, compute())
  return memo.get(key)
}
const sizesOfFile = (path) => once(`sizes ${path}`, () => sizes({ path }))

async function measure(entry) {
  const path = join(root, entry.file)
  if (!existsSync(path)) throw new Error(`check-size: ${entry.file} is missing; run \`npm run build\` first`)
  if (!entry.withCore) return sizesOfFile(path)
  const coreAlone = await sizesOfFile(join(root, core.file))
  const both = await sizes({ contents: [core.file, entry.file].map((file) => `export * from './${file}'`).join('\n') })
  const alone = await sizes({ path, plugins: [externalFiles(coreChunks())] })
  return { min: both.min - coreAlone.min, gz: both.gz - coreAlone.gz, alone }
}

/** The source files of an entry bundled the same way, with their minified bytes in the output. */
function sourceInputs(entry) {
  return once(`inputs ${entry.source}`, () => bundleInputs(entry))
}

async function bundleInputs(entry) {
  const { metafile } = await bundle({ path: join(root, entry.source), metafile: true })
  const [output] = Object.values(metafile.outputs)
  return Object.entries(output.inputs)
    .map(([input, { bytesInOutput }]) => [input.replace(/^.*node_modules\//, 'node_modules/'), bytesInOutput])
    .filter(([, bytes]) => bytes > 0)
}

/**
 * What weighs most: the source bundled the same way, by folder and by file (minified bytes, before
 * gzip). For the React entry, files the core entry has too are listed apart: they cost it nothing.
 */
async function printContributors(entry) {
  let files = await sourceInputs(entry)
  if (entry.withCore) {
    const inCore = new Set((await sourceInputs(core)).map(([input]) => input))
    const shared = files.filter(([input]) => inCore.has(input))
    files = files.filter(([input]) => !inCore.has(input))
    if (shared.length > 0) console.log(`  in the core entry too (not counted): ${shared.map(([input]) => input).join(', ')}`)
  }
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
  const { min, gz, alone } = await measure(entry)
  const over = gz > entry.budget
  failed ||= over
  const goal = gz <= entry.goal ? `goal ${kB(entry.goal)} met` : `goal ${kB(entry.goal)}: ${kB(gz - entry.goal)} to go`
  const added = alone ? ` added to the core (alone, core external: ${kB(alone.gz)})` : ''
  console.log(
    `${over ? 'FAIL' : 'ok  '} ${entry.name.padEnd(20)} ${kB(gz).padStart(9)} min+gz, ${kB(min)} min${added} (budget ${kB(entry.budget)}; ${goal})`,
  )
  if (analyze) await printContributors(entry)
}
if (failed) {
  console.error('check-size: an entry is over its budget (scripts/check-size.mjs); `npm run check:size -- --analyze` lists what weighs most')
  process.exit(1)
}
