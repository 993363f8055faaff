/**
 * CLI of the reference server:
 *
 *   node --import tsx examples/server/main.ts [--port 3000] [--host 127.0.0.1] [--static <dir>]
 *                                              [--control] [--demo] [--verbose]
 *                                              [--broadcast-batch <n|off>] [--broadcast-delay <ms>]
 *                                              [--redis <url>]
 *
 * Prints exactly one line on stdout once it listens:
 *   rtk-realtime reference server listening on http://127.0.0.1:3000 (ws: ws://127.0.0.1:3000/ws)
 * and shuts down cleanly on SIGINT/SIGTERM. Without `--static`, it serves the built dashboard
 * (examples/dashboard/dist) when that exists. Diagnostics go to stderr.
 */
import { existsSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startServer } from './createServer'
import { demoWidgets, startDemoTicker, type DemoTicker } from './demo'
import { demoAuthenticate } from './demoAuth'

const USAGE = `usage: node --import tsx examples/server/main.ts [options]
  --port <n>       TCP port (default 3000; 0 picks a free one)
  --host <addr>    interface to listen on (default 127.0.0.1)
  --static <dir>   serve files from <dir> over HTTP (default: examples/dashboard/dist if built)
  --control        accept CONTROL messages (benchmarks drive the server with them)
  --demo           seed widgets w-1..w-6 and move their values every second; sockets need a
                   demo token (?token=demo.<user>.<nonce>), whose user their ops carry
  --redis <url>    share the state with other instances through Redis (e.g. redis://127.0.0.1:6379):
                   run several behind a load balancer; with --demo the ticker moves the widgets
                   through Redis (give --demo to one instance, or each one moves them)
  --verbose        log connections and errors to stderr
  --broadcast-batch <n|off>
                   broadcasts of one tick go to each client as one BATCH frame of at most n
                   frames (default 500); off sends every broadcast on its own
  --broadcast-delay <ms>
                   collect broadcasts for this long before sending the BATCH (default 0: the
                   end of the current tick)
  --help           show this help`

/** The dashboard build the server serves by default. */
const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dashboard/dist', import.meta.url))

function fail(message: string): never {
  process.stderr.write(`rtk-realtime reference server: ${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '3000' },
        host: { type: 'string', default: '127.0.0.1' },
        static: { type: 'string' },
        control: { type: 'boolean', default: false },
        demo: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        redis: { type: 'string' },
        'broadcast-batch': { type: 'string', default: '500' },
        'broadcast-delay': { type: 'string', default: '0' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`)
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n')
    return
  }

  const port = Number(values.port)
  if (!/^\d+$/.test(values.port) || port > 65535) fail(`invalid --port ${JSON.stringify(values.port)}`)

  const batchFlag = values['broadcast-batch']
  const delayFlag = values['broadcast-delay']
  if (batchFlag !== 'off' && !/^[1-9]\d*$/.test(batchFlag)) fail(`invalid --broadcast-batch ${JSON.stringify(batchFlag)} (a count >= 1, or off)`)
  if (!/^\d+$/.test(delayFlag)) fail(`invalid --broadcast-delay ${JSON.stringify(delayFlag)} (ms, an integer >= 0)`)
  const broadcastBatch = batchFlag === 'off' ? (false as const) : { maxFrames: Number(batchFlag), delayMs: Number(delayFlag) }

  let staticDir: string | undefined
  if (values.static !== undefined) {
    if (!existsSync(values.static)) fail(`--static directory does not exist: ${values.static}`)
    if (!statSync(values.static).isDirectory()) fail(`--static is not a directory: ${values.static}`)
    staticDir = values.static
  } else if (existsSync(DEFAULT_STATIC_DIR)) {
    staticDir = DEFAULT_STATIC_DIR
  }

  const log = values.verbose ? (line: string) => process.stderr.write(line + '\n') : undefined
  if (log && staticDir === undefined) log(`no static directory (${DEFAULT_STATIC_DIR} is not built); HTTP requests get 404`)

  let server
  try {
    server = await startServer({
      port,
      host: values.host,
      staticDir,
      allowControl: values.control,
      log,
      maxReceived: 10_000,
      maxAppliedOps: 10_000,
      broadcastBatch,
      ...(values.redis !== undefined ? { redis: values.redis } : {}),
      ...(values.demo ? { widgets: demoWidgets(), authenticate: demoAuthenticate } : {}),
    })
  } catch (error) {
    const err = error as NodeJS.ErrnoException
    if (err.code === 'EADDRINUSE') fail(`port ${port} on ${values.host} is already in use`)
    fail(err.message)
  }

  let ticker: DemoTicker | undefined
  if (values.demo) ticker = startDemoTicker(server, { onError: (id, error) => log?.(`demo ticker: widget ${id}: ${error instanceof Error ? error.message : String(error)}`) })

  process.stdout.write(`rtk-realtime reference server listening on ${server.httpUrl} (ws: ${server.url})\n`)

  let shuttingDown = false
  const shutdown = (signal: string): void => {
    if (shuttingDown) process.exit(1)
    shuttingDown = true
    log?.(`${signal}: shutting down`)
    ticker?.stop()
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)))
