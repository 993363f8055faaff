/**
 * A throwaway `redis-server` for the fan-out bench, on a free loopback port, nothing saved to disk
 * (as test/integration/support/redisServer.ts starts it for the tests), and what the bench reads
 * from it: `INFO commandstats` (calls per command) and `INFO cpu` (its CPU time).
 */
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { endChild, track } from './children.mjs'

/** Whether `redis-server` can be started here. */
export const redisServerInstalled = () => spawnSync('redis-server', ['--version']).status === 0

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** `INFO <section>` as `{ field: value }`. */
async function info(client, section) {
  const fields = {}
  for (const line of (await client.info(section)).split('\r\n')) {
    const at = line.indexOf(':')
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1)
  }
  return fields
}

/**
 * Starts `redis-server` and resolves once it accepts connections.
 * @returns {Promise<{ url: string, usage(): Promise<{ calls: Record<string, number>, cpuUs: number }>, stop(): Promise<void> }>}
 */
export async function startRedisServer() {
  const port = await freePort()
  // `--port 0` is not supported by redis-server, hence the probe above.
  const child = track(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] }))
  await new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000)
    child.stdout.on('data', (chunk) => {
      output += chunk
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        child.stdout.resume()
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}:\n${output}`))
    })
  })
  const url = `redis://127.0.0.1:${port}`
  const client = new Redis(url, { lazyConnect: true })
  await client.connect()
  return {
    url,
    /** Calls per command so far (the INFO calls of this function left out) and CPU time in µs. */
    async usage() {
      const calls = {}
      for (const [key, value] of Object.entries(await info(client, 'commandstats'))) {
        const name = key.replace(/^cmdstat_/, '')
        if (name !== 'info') calls[name] = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0)
      }
      const cpu = await info(client, 'cpu')
      return { calls, cpuUs: (Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys)) * 1e6 }
    },
    async stop() {
      client.disconnect()
      await endChild(child)
    },
  }
}
