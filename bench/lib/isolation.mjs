/**
 * Parent side of isolated variants: one long-lived child process per variant (variantHost.mjs),
 * driven round by round over IPC. The children inherit NODE_ENV and run with --expose-gc; with
 * BENCH_CPU_PROF_DIR set, each also writes a CPU profile named <scenario>-<variant>.cpuprofile.
 */
import { fork } from 'node:child_process'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { endChild, track } from './children.mjs'

const HOST = fileURLToPath(new URL('./variantHost.mjs', import.meta.url))

function nextMessage(child, what) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      cleanup()
      if (message?.error) reject(new Error(`${what}:\n${message.error}`))
      else resolve(message)
    }
    const onExit = (code, signal) => {
      cleanup()
      reject(new Error(`${what}: the variant process exited (code ${code}, signal ${signal})`))
    }
    const cleanup = () => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/**
 * Starts the process hosting `variantName` of the scenario at `scenarioFile` and resolves once
 * it is set up.
 * @returns {Promise<{ run(): Promise<any>, stop(): Promise<void> }>}
 */
export async function startVariantHost(scenarioFile, variantName, ctx) {
  const execArgv = ['--expose-gc']
  const profDir = process.env.BENCH_CPU_PROF_DIR
  if (profDir) {
    const name = `${basename(scenarioFile, '.mjs')}-${variantName}.cpuprofile`
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}`)
  }
  const args = [new URL(`file://${scenarioFile}`).href, variantName, JSON.stringify(ctx)]
  const child = track(fork(HOST, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const label = `${basename(scenarioFile)} / ${variantName}`
  await nextMessage(child, `${label}: setup failed`)
  return {
    async run() {
      const done = nextMessage(child, `${label}: run failed`)
      child.send({ cmd: 'run' })
      return (await done).sample
    },
    async stop() {
      if (child.connected) child.send({ cmd: 'exit' })
      await endChild(child, { signal: null, graceMs: 5000 })
    },
  }
}
