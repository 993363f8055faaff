/**
 * One timed blast: the server broadcasts `count` frames to the (single) client under test, and
 * the round's rate is `count / (time from sending the CONTROL blast until the client counted
 * the last message)`. Setup and teardown are outside the timed section. The CPU time this
 * process spent in the timed section is reported too: on a loaded machine it is steadier than
 * the wall-clock rate.
 */
import { collectGarbage } from './rounds.mjs'
import { waitForServerClients } from './wsClient.mjs'

/**
 * @typedef {object} BlastClient the client under test, already connected
 * @property {(data: object) => Promise<any>} request  a CONTROL request, used outside the timed section
 * @property {(data: object) => void} sendBlast        sends the CONTROL blast (fire and forget)
 * @property {(n: number) => Promise<number>} whenCounted  resolves with performance.now() once n messages were handled
 * @property {() => number} count                      messages handled so far
 * @property {() => Promise<void>} close
 * @property {() => object} [extra]                    more fields for the sample, read after the round (e.g. notifications)
 */

/**
 * Runs one blast through `client` and closes it.
 * @param {() => Promise<BlastClient>} connect
 * @param {{ count: number, keys?: number, messageType?: string }} blast
 * @returns {Promise<{ rate: number, cpuUs: number }>} messages per second, client CPU microseconds per
 *   message, and whatever `client.extra()` adds
 */
export async function blastRound(connect, { count, keys = 100, messageType }) {
  const client = await connect()
  try {
    // The previous round's socket may still be closing; the blast must reach this client only.
    await waitForServerClients(client.request, 1)
    const counted = client.whenCounted(count)
    collectGarbage()
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    client.sendBlast(messageType === undefined ? { op: 'blast', count, keys } : { op: 'blast', count, keys, messageType })
    const t1 = await counted
    const cpu = process.cpuUsage(cpu0)
    // The server's stats reply travels behind every blasted frame: once it is in, nothing more is coming.
    await client.request({ op: 'stats' })
    if (client.count() !== count) throw new Error(`expected exactly ${count} messages, handled ${client.count()}`)
    return { rate: (count / (t1 - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / count, ...client.extra?.() }
  } finally {
    await client.close()
  }
}
