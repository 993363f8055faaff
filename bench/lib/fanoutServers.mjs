/**
 * Starts the servers of one fan-out variant as child processes on 127.0.0.1: reference server
 * instances (lib/fanoutInstance.mjs, in memory or on a Redis) or the raw `ws` relay
 * (lib/rawRelay.mjs). Each is reached over IPC for its CPU time and RSS (lib/instanceIpc.mjs).
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { endChild, track } from './children.mjs'
import { queryUsage } from './instanceIpc.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const INSTANCE = fileURLToPath(new URL('./fanoutInstance.mjs', import.meta.url))
const RAW_RELAY = fileURLToPath(new URL('./rawRelay.mjs', import.meta.url))

/**
 * @param {'instance' | 'raw'} kind
 * @param {{ redis?: { url: string, prefix: string } }} [options] for an instance
 * @returns {Promise<{ url: string, pid: number, usage(opts?: { gc?: boolean }): Promise<{ cpuUs: number, rss: number }>, stop(): Promise<void> }>}
 */
export async function startFanoutServer(kind, options = {}, startTimeoutMs = 30_000) {
  const file = kind === 'raw' ? RAW_RELAY : INSTANCE
  // The reference server is TypeScript (tsx, as npm run demo starts it); the relay is plain JS.
  const execArgv = kind === 'raw' ? ['--expose-gc'] : ['--import', 'tsx', '--expose-gc']
  const child = track(fork(file, [JSON.stringify(options)], { cwd: ROOT, execArgv, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] }))
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server: no ready message within ${startTimeoutMs} ms\n${stderr}`)), startTimeoutMs)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${kind} server exited early (code ${code}, signal ${signal})\n${stderr}`))
    })
    child.once('message', (message) => {
      clearTimeout(timer)
      if (message?.ready) resolve(message.url)
      else reject(new Error(`${kind} server: unexpected first message ${JSON.stringify(message)}`))
    })
  })
  return {
    url,
    pid: child.pid,
    usage: (opts) => queryUsage(child, opts),
    stop: () => endChild(child),
  }
}
