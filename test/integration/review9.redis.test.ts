import { describe, expect, it } from 'vitest'
import { connectTestClient, type WireMessage } from '../../examples/server'
import { useRedisInstances } from './support/redisInstances'
import { redisServerInstalled } from './support/redisServer'

/**
 * Review of issue 9 on Redis: the apply script goes by EVALSHA once a connection has it (and
 * survives Redis forgetting it), and a BATCH element with a forbidden key is NACKed alone there
 * too. Real `redis-server`.
 */

const replyTo = (id: string) => (m: WireMessage) => m.replyTo === id

/** `calls` per command from INFO commandstats. */
function commandCalls(info: string): Record<string, number> {
  const calls: Record<string, number> = {}
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) calls[match[1]!] = Number(match[2])
  return calls
}

describe.skipIf(!redisServerInstalled && !process.env.CI)('review 9 on Redis', () => {
  const redis = useRedisInstances()

  it('ops run the apply script by EVALSHA, not EVAL each; after SCRIPT FLUSH the next op still applies once', async () => {
    const [server] = await redis.start(1)
    const client = await connectTestClient(server!.url)
    const store = await redis.openStore()
    try {
      const before = commandCalls(await store.redis.info('commandstats'))
      for (let i = 0; i < 20; i++) {
        client.send({ type: 'WIDGET_UPDATE', id: `op-${i}`, data: { id: 'w-1', value: i } })
        expect(await client.next(replyTo(`op-${i}`), 5_000)).toMatchObject({ type: 'ACK' })
      }
      const after = commandCalls(await store.redis.info('commandstats'))
      const evals = (after.eval ?? 0) - (before.eval ?? 0)
      const evalshas = (after.evalsha ?? 0) - (before.evalsha ?? 0)
      console.log(`[review9] 20 ops on Redis: ${evalshas} EVALSHA, ${evals} EVAL`)
      expect(evalshas).toBeGreaterThanOrEqual(19)
      expect(evals).toBeLessThanOrEqual(1)

      await store.redis.script('FLUSH')
      client.send({ type: 'WIDGET_UPDATE', id: 'op-after-flush', data: { id: 'w-1', value: 'flushed' } })
      expect(await client.next(replyTo('op-after-flush'), 5_000)).toMatchObject({ type: 'ACK' })
      const { widgets, broadcasts } = await redis.state()
      expect(widgets.find((w) => w.id === 'w-1')).toMatchObject({ value: 'flushed' })
      expect(broadcasts.filter((b) => (b.data as { opId?: string }).opId === 'op-after-flush')).toHaveLength(1)
    } finally {
      await store.close()
      client.ws.terminate()
    }
  })

  it('a BATCH element with a forbidden key is NACKed alone; its neighbours are applied through Redis', async () => {
    const [server] = await redis.start(1)
    const client = await connectTestClient(server!.url)
    try {
      client.send(
        '{"type":"BATCH","data":[{"type":"WIDGET_UPDATE","id":"ok","data":{"id":"w-1","value":1}},' +
          '{"type":"WIDGET_UPDATE","id":"bad","data":{"id":"w-1","value":[{"constructor":{"prototype":{}}}]}},' +
          '{"type":"WIDGET_UPDATE","id":"ok2","data":{"id":"w-2","value":2}}]}',
      )
      expect(await client.next(replyTo('ok'), 5_000)).toMatchObject({ type: 'ACK' })
      expect(await client.next(replyTo('bad'), 5_000)).toMatchObject({ type: 'NACK', data: { retryable: false, reason: expect.stringContaining('forbidden key data.value.0.constructor') } })
      expect(await client.next(replyTo('ok2'), 5_000)).toMatchObject({ type: 'ACK' })
      expect(await redis.appliedOpIds()).toEqual(['ok', 'ok2'])
    } finally {
      client.ws.terminate()
    }
  })
})
