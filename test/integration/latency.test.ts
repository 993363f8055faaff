import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, startTestServer, until } from './support/harness'
import { createWidgetClient, type WidgetClient } from './support/widgetClient'

/**
 * The latency of a lone update with the default config (BATCH_MODE 'auto'): a broadcast that
 * reaches an idle client is applied on the next macrotask, not after the 200 ms BATCH_DELAY.
 * Real clock, real server over loopback; the bound is generous (a loaded CI machine), the point
 * is that it is far below the 200 ms a window would cost.
 */

afterEach(cleanup)

/** Resolves when `condition` holds after a store notification (or already holds); no polling. */
function whenStore(client: WidgetClient, condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (condition()) return resolve()
    const unsubscribe = client.store.subscribe(() => {
      if (!condition()) return
      unsubscribe()
      resolve()
    })
  })
}

describe('latency of a lone update with the default config', () => {
  it('a server change lands in the store in well under BATCH_DELAY (200 ms)', async () => {
    const server = await startTestServer()
    const client = createWidgetClient({ url: server.url, config: { websocket: { HEARTBEAT_INTERVAL: 0 } } })
    await client.waitForStatus('open')
    await until(() => client.realtime.selectors.selectCollectionStatus(client.store.getState(), 'widgets') === 'ready', 'the initial sync')

    const latencies: number[] = []
    for (let round = 1; round <= 5; round++) {
      const before = client.record('w-1')?.version ?? 0
      const started = performance.now()
      const version = server.touch('w-1', { value: round * 10 })
      await whenStore(client, () => (client.record('w-1')?.version ?? 0) >= version)
      latencies.push(performance.now() - started)
      expect(version).toBeGreaterThan(before)
      expect(client.view('w-1')).toMatchObject({ id: 'w-1', value: round * 10 })
    }
    const sorted = [...latencies].sort((a, b) => a - b)
    console.info(`[latency] lone update, default config: ${sorted.map((ms) => ms.toFixed(1)).join(', ')} ms`)
    // The median, so that one scheduling hiccup on a busy machine does not decide the test.
    expect(sorted[2]).toBeLessThan(100)
  })
})
