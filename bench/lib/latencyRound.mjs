/**
 * One blast round with latency: the server sends `count` updates (as fast as the socket takes
 * them, or `rate` per second), the round ends when the store subscriber of the client under test
 * has seen the last one. Rate and CPU as in blastRound.mjs; latency per update as in latency.mjs.
 */
import { createProgress, serverLatency } from './latency.mjs'
import { collectGarbage } from './rounds.mjs'
import { waitForServerClients } from './wsClient.mjs'

function within(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * @param {(progress) => Promise<object>} connect a client of peerClients.mjs's shape
 * @param {{ url: string, count: number, keys: number, rate?: number, perFrame?: number, timeoutMs?: number }} blast
 * @returns {Promise<{ rate, cpuUs, notifications, flushes?, p50, p99, max, clockOffset }>} ms for the latencies
 */
export async function latencyRound(connect, { url, count, keys, rate, perFrame = 1, timeoutMs = 300_000 }) {
  const progress = createProgress(count)
  const client = await connect(progress)
  let sample
  try {
    // The previous round's socket may still be closing; the blast must reach this client only.
    await waitForServerClients(client.request, 1)
    collectGarbage()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    client.sendBlast({ op: 'blast', count, keys, ...(rate ? { rate } : {}), ...(perFrame > 1 ? { perFrame } : {}) })
    const t1 = await within(progress.done, timeoutMs, () => `the store saw ${progress.next} of ${count} updates within ${timeoutMs} ms`)
    const cpu = process.cpuUsage(cpu0)
    // A batching client's last flush may wait on a timer after the last frame is in (the package's
    // BATCH_DELAY window): latency, not throughput, and a stream that goes on never pays it per
    // update. The rate leaves that idle tail out; the latencies below keep it.
    const idleMs = client.idleTailMs?.() ?? 0
    sample = {
      rate: (count / (t1 - t0 - idleMs)) * 1000,
      ...(client.idleTailMs ? { endToEndRate: (count / (t1 - t0)) * 1000, idleTailMs: idleMs } : {}),
      cpuUs: (cpu.user + cpu.system) / count,
      notifications: client.notifications(),
      ...(client.flushes ? { flushes: client.flushes() } : {}),
    }
    // The server's reply travels behind every blasted frame: once it is in, nothing more is coming.
    await client.request({ op: 'stats' })
  } finally {
    await client.close()
  }
  return { ...sample, ...(await serverLatency(url, progress.marks())) }
}
