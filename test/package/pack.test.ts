/**
 * The package as users get it: build, `npm pack`, install the tarball into temporary consumer
 * projects (with the peers, from npm's cache when it has them), and run programs there as child
 * processes against the reference server started here:
 *
 * - the README Usage (examples/readme/store.ts verbatim, plus the "Then:" snippet) compiled by tsc
 *   with `module: node16` as `.mts` (ESM) and `.cts` (CommonJS): it must type-check against the
 *   packed declarations, and both outputs (`.mjs`, `.cjs`) must run;
 * - the React entry (`rtk-realtime/react`) rendered with createRoot under React 19 and React 18,
 *   each as ESM and as CommonJS.
 *
 * publint and attw only read files; this runs them. It caught the CommonJS build handing
 * redux-saga's module object where its default export was expected (issue 6).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type ReferenceServer } from '../../examples/server'
import {
  consumerManifest,
  domSetup,
  reactInstallSpecs,
  reactProgram,
  usageInstallSpecs,
  usageMain,
  usageTsconfig,
  versionsFrom,
} from './consumerFiles'
import { childEnv, describeRun, resultOf, run, runOk, type RunResult } from './run'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const require = createRequire(import.meta.url)
const tscPath = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
const jsdomPath = require.resolve('jsdom')

const INSTALL_FLAGS = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error']
const SETUP_TIMEOUT = 240_000
const CHILD_TIMEOUT = 30_000
/** Child programs running at once (the machine has 2 cores). */
const CONCURRENCY = 2

let tmp: string | undefined
let server: ReferenceServer | undefined
/** The child runs, started at the end of the setup; each test awaits its own. */
const runs = new Map<string, Promise<RunResult>>()

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), text)
  }
}

async function makeConsumer(name: string, specs: string[], files: Record<string, string>): Promise<string> {
  const dir = join(tmp!, name)
  await writeFiles(dir, { 'package.json': consumerManifest, ...files })
  await runOk('npm', [...INSTALL_FLAGS, ...specs], { cwd: dir, timeoutMs: 180_000 })
  return dir
}

/** Runs tasks with at most `limit` at once, in the order they were queued. */
function queue(limit: number) {
  let active = 0
  const waiting: Array<() => void> = []
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

function runNode(dir: string, script: string, widgetId: string): Promise<RunResult> {
  return run(process.execPath, [script, server!.url, widgetId], {
    cwd: dir,
    timeoutMs: CHILD_TIMEOUT,
    env: childEnv({ RTK_REALTIME_JSDOM: jsdomPath }),
  })
}

function awaitRun(name: string): Promise<RunResult> {
  const pending = runs.get(name)
  if (!pending) throw new Error(`no run named ${name}`)
  return pending
}

const usageCases = [
  { name: 'ESM (.mjs)', script: 'out/main.mjs', widgetId: 'w-usage-esm' },
  { name: 'CommonJS (.cjs)', script: 'out/main.cjs', widgetId: 'w-usage-cjs' },
]
const reactCases = [
  { major: '19', format: 'ESM', script: 'app.mjs', widgetId: 'w-react19-esm' },
  { major: '19', format: 'CommonJS', script: 'app.cjs', widgetId: 'w-react19-cjs' },
  { major: '18', format: 'ESM', script: 'app.mjs', widgetId: 'w-react18-esm' },
  { major: '18', format: 'CommonJS', script: 'app.cjs', widgetId: 'w-react18-cjs' },
] as const

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rtk-realtime-pack-'))
  const readJson = async (path: string) => JSON.parse(await readFile(join(repo, path), 'utf8'))
  const versions = versionsFrom(await readJson('package.json'), await readJson('test/package/react18/package.json'))
  const store = await readFile(join(repo, 'examples/readme/store.ts'), 'utf8')

  await runOk('npm', ['run', 'build', '--silent'], { cwd: repo, timeoutMs: 180_000 })
  const packed = await runOk('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: repo, timeoutMs: 60_000 })
  const tarball = join(tmp, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename)

  const react = { 'dom.cjs': domSetup, 'app.mjs': reactProgram('esm'), 'app.cjs': reactProgram('cjs') }
  const [usage, react19, react18] = await Promise.all([
    makeConsumer('usage', usageInstallSpecs(tarball, versions.react19), {
      'tsconfig.json': usageTsconfig,
      'src/store.mts': store,
      'src/store.cts': store,
      'src/main.mts': usageMain('./store.mjs'),
      'src/main.cts': usageMain('./store.cjs'),
    }),
    makeConsumer('react19', reactInstallSpecs(tarball, versions.react19), react),
    makeConsumer('react18', reactInstallSpecs(tarball, versions.react18), react),
  ])
  server = await startServer({ port: 0, host: '127.0.0.1' })

  // Started here, awaited by the tests: they run concurrently (CONCURRENCY at a time), and each
  // uses its own widget id. tsc emits even when it finds type errors, so the runs of its output do
  // not depend on the type check; they only wait for it to finish.
  const limit = queue(CONCURRENCY)
  const tsc = limit(() => run(process.execPath, [tscPath, '-p', 'tsconfig.json'], { cwd: usage, timeoutMs: 120_000 }))
  runs.set('tsc', tsc)
  for (const { major, format, script, widgetId } of reactCases) {
    runs.set(`react${major} ${format}`, limit(() => runNode(major === '19' ? react19 : react18, script, widgetId)))
  }
  for (const { name, script, widgetId } of usageCases) {
    runs.set(name, tsc.then(() => limit(() => runNode(usage, script, widgetId))))
  }
}, SETUP_TIMEOUT)

afterAll(async () => {
  await Promise.allSettled(runs.values())
  await server?.stop()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

interface UsageResult {
  reply: unknown
  status: string
  ack: string
  widget: { id: string; value: number; version: number } | undefined
  after: string
  complaints: string[]
}

interface ReactResult {
  react: string
  reactDom: string
  reply: unknown
  update: { id: string; value: number }
  seen: { connected: number; disconnected: number; messages: string[] }
  complaints: string[]
}

/** The ops the reference server received for `widgetId`: proof that this run's messages arrived. */
function opsFor(widgetId: string): string[] {
  return server!.received.filter((message) => (message.data as { id?: unknown } | undefined)?.id === widgetId).map((message) => message.type)
}

describe('the packed package in a consumer project', () => {
  it('the README Usage type-checks against the packed declarations (tsc, module node16, .mts and .cts)', async () => {
    const tsc = await awaitRun('tsc')
    expect(tsc.code, describeRun(tsc)).toBe(0)
  })

  it.each(usageCases.map((usageCase) => [usageCase.name, usageCase] as const))(
    'the README Usage runs as %s: connect, send, request, open, disconnect',
    async (name, { widgetId }) => {
      const result = await awaitRun(name)
      expect(result.code, describeRun(result)).toBe(0)
      const output = resultOf<UsageResult>(result)
      expect(output, describeRun(result)).toMatchObject({ reply: { hello: 1 }, status: 'open', ack: 'ACK', after: 'closed', complaints: [] })
      expect(output.widget, describeRun(result)).toMatchObject({ id: widgetId, value: 7 })
      expect(opsFor(widgetId)).toEqual(['WIDGET_UPDATE'])
      expect(server!.received.map((message) => message.type)).toContain('SUBSCRIBE')
    },
    120_000,
  )

  it.each(reactCases.map((reactCase) => [`React ${reactCase.major} (${reactCase.format})`, reactCase] as const))(
    'rtk-realtime/react works under %s: Provider, RealtimeProvider, useWebSocket, useConnectionStatus',
    async (_title, { major, format, widgetId }) => {
      const result = await awaitRun(`react${major} ${format}`)
      expect(result.code, describeRun(result)).toBe(0)
      const output = resultOf<ReactResult>(result)
      expect(output.react, describeRun(result)).toMatch(new RegExp(`^${major}\\.`))
      expect(output.reactDom).toBe(output.react)
      expect(output, describeRun(result)).toMatchObject({
        reply: { react: output.react },
        update: { id: widgetId, value: 3 },
        seen: { connected: 1, disconnected: 1 },
        complaints: [],
      })
      expect(output.seen.messages).toContain('WIDGET_UPDATE')
      expect(opsFor(widgetId)).toEqual(['WIDGET_UPDATE'])
    },
    120_000,
  )
})
