import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { cleanup, startTestServer, until } from './support/harness'
import { createWidgetClient, expectConverged, type WidgetClient } from './support/widgetClient'

/**
 * The package reading the reference server's coalesced broadcasts (BATCH frames, on by default):
 * two stores editing the same widgets at once converge, and every op is applied exactly once.
 */

afterEach(cleanup)

const IDS = ['w-1', 'w-2', 'w-3', 'w-4', 'w-5']

/** A `ws` client that counts the BATCH frames it receives (the package reads `onmessage`). */
function countingWebSocket() {
  const counts = { batches: 0, elements: 0 }
  class CountingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      this.on('message', (raw, isBinary) => {
        const text = isBinary ? '' : raw.toString()
        if (!text.startsWith('{"type":"BATCH"')) return
        counts.batches++
        counts.elements += (JSON.parse(text) as { data: unknown[] }).data.length
      })
    }
  }
  return { WebSocket: CountingWebSocket, counts }
}

describe('coalesced broadcasts (BATCH frames) against the reference server', () => {
  it('two stores, 100 concurrent ops on 5 widgets: both converge, every op applied once, BATCH frames read', async () => {
    const server = await startTestServer({ widgets: IDS.map((id) => ({ id, value: 0 })) })
    const counting = [countingWebSocket(), countingWebSocket()]
    const clients: WidgetClient[] = counting.map((c) =>
      createWidgetClient({
        url: server.url,
        WebSocket: c.WebSocket as never,
        // LOCAL_WINS: an op meeting the other store's change stays and is applied, so every op counts.
        config: { websocket: { HEARTBEAT_INTERVAL: 0 }, optimistic: { MAX_PENDING: 1000, CONFLICT_RESOLUTION: 'LOCAL_WINS' }, backgroundSync: { MAX_OUTBOX_SIZE: 1000 } },
      }),
    )
    await Promise.all(clients.map((c) => c.waitForStatus('open')))
    await server.waitForClients(2)
    await until(() => clients.every((c) => c.realtime.selectors.selectCollectionStatus(c.store.getState(), 'widgets') === 'ready'), 'the initial syncs')

    // Rounds of ops from both stores at once: the server handles each socket read's ops in one
    // tick, and the broadcasts of that tick reach the other store coalesced.
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 5; i++) {
        clients[0]!.update(IDS[(round + i) % IDS.length]!, round * 100 + i)
        clients[1]!.rename(IDS[(round + 2 * i) % IDS.length]!, `r${round}-${i}`)
      }
      if (round % 5 === 4) await Promise.all(clients.map((c) => c.roundTrip()))
    }
    await expectConverged(server, clients, IDS, 20_000)

    const created = clients.flatMap((c) => c.created)
    expect(created).toHaveLength(100)
    for (const { opId } of created) expect(server.appliedCount(opId), opId).toBe(1)
    expect(clients.map((c) => c.allRollbacks.size)).toEqual([0, 0])
    expect(clients.map((c) => c.connection().rejected)).toEqual([0, 0])
    const batches = counting.map((c) => c.counts.batches)
    console.info(`[broadcastBatch] BATCH frames received: ${batches.join(', ')} (elements ${counting.map((c) => c.counts.elements).join(', ')})`)
    expect(batches.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
  })
})
