import { describe, expect, it } from 'vitest'
import { startServer } from '../../examples/server'
import { useRedisInstances } from './support/redisInstances'
import { redisServerInstalled } from './support/redisServer'

/**
 * Seeding Redis follows the in-memory store's rules (one `seedEntities` for both): a repeated id
 * is one widget, the last one winning, and counted once in the byte total; a seed without an id
 * is refused naming the API before Redis is touched. Real `redis-server`.
 */

const bytesOf = (widgets: object[]): number => widgets.reduce((sum, widget) => sum + Buffer.byteLength(JSON.stringify(widget)), 0)

describe.skipIf(!redisServerInstalled && !process.env.CI)('seeding instances on Redis', () => {
  const redis = useRedisInstances()

  it('startServer({ widgets, redis }) with a repeated id stores the last one, counted once in the byte total', async () => {
    const [server] = await redis.start([{ server: { widgets: [{ id: 'w-1', title: 'first' }, { id: 'w-2', value: 'ü' }, { id: 'w-1', title: 'last' }] } }])
    const state = await redis.state()
    expect(state.widgets).toEqual([
      { id: 'w-1', title: 'last', version: 1 },
      { id: 'w-2', value: 'ü', version: 1 },
    ])
    expect(state.bytes).toBe(bytesOf([{ title: 'last', id: 'w-1' }, { value: 'ü', id: 'w-2' }]))
    await server!.seedWidgets([{ id: 'w-3', n: 1 }, { id: 'w-3', n: 22 }])
    expect((await redis.state()).bytes).toBe(bytesOf([{ n: 22, id: 'w-3' }]))
  })

  it('a seed without an id is a TypeError naming seedWidgets, from startServer and from seedWidgets alike', async () => {
    const bad = [{ id: 'w-1' }, { title: 'no id' } as never]
    await expect(startServer({ port: 0, widgets: bad, redis: { url: redis.url(), prefix: `${redis.prefix()}bad:` } })).rejects.toThrow(
      new TypeError('seedWidgets (CONTROL seed, startServer widgets): every seeded widget needs an id, a non-empty string'),
    )
    const [server] = await redis.start(1)
    await expect(server!.seedWidgets(bad)).rejects.toThrow(TypeError)
    expect((await redis.state()).widgets.map((widget) => widget.id)).toEqual(['w-1', 'w-2'])
  })
})
