/**
 * The reference server in a child process, so it never shares the client's event loop.
 *
 *   const server = await startReferenceServer()   // node --import tsx examples/server/main.ts --port 0 --control
 *   server.url   // ws://127.0.0.1:<port>/ws
 *   await server.stop()
 *
 * Listens on 127.0.0.1 only; the child is killed when the bench exits (see children.mjs).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { endChild, track } from './children.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const READY = /listening on http:\/\/127\.0\.0\.1:(\d+) \(ws: (ws:\/\/127\.0\.0\.1:\d+\/ws)\)/

/**
 * Starts `examples/server/main.ts` and resolves once it printed its listening line.
 * @param {{ extraArgs?: string[], startTimeoutMs?: number }} [options]
 * @returns {Promise<{ port: number, url: string, pid: number, stop(): Promise<void> }>}
 */
export function startReferenceServer({ extraArgs = [], startTimeoutMs = 30_000 } = {}) {
  const args = ['--import', 'tsx', 'examples/server/main.ts', '--port', '0', '--host', '127.0.0.1', '--control', ...extraArgs]
  const child = track(spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }))
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const stop = () => endChild(child)

  return new Promise((resolve, reject) => {
    let stdout = ''
    let started = false
    const fail = (why) => {
      if (started) return
      clearTimeout(timer)
      void stop()
      reject(new Error(`reference server did not start: ${why}\n--- server stderr ---\n${stderr}`))
    }
    const timer = setTimeout(() => fail(`no listening line within ${startTimeoutMs} ms`), startTimeoutMs)
    child.once('error', (error) => fail(error.message))
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = READY.exec(stdout)
      if (!match) return
      clearTimeout(timer)
      started = true
      child.stdout.removeAllListeners('data')
      child.stdout.resume()
      resolve({ port: Number(match[1]), url: match[2], pid: child.pid, stop })
    })
  })
}
