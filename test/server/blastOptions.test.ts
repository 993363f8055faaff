import { describe, it, expect } from 'vitest'
import { replyTo, useServerFixture } from './support/serverFixture'

const { start, connect } = useServerFixture()

describe('reference server: blast options for benchmarks', () => {
  it('with perFrame, a CONTROL blast leaves as BATCH frames of that many, each element numbered and logged for SYNC', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    const reply = await client.request('CONTROL', { op: 'blast', count: 250, keys: 10, perFrame: 100 })
    expect(reply.data).toEqual({ done: true, count: 250 })
    const batches = client.frames.filter((m) => m.type === 'BATCH')
    expect(batches.map((b) => (b.data as unknown[]).length)).toEqual([100, 100, 50])
    const updates = client.messages.filter((m) => m.type === 'WIDGET_UPDATE')
    expect(updates.map((u) => u.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1))
    expect(updates[13]).toMatchObject({ seq: 14, data: { id: 'w-3', value: 13, version: 14 } })
    expect(server.broadcastsSince(248)?.map((f) => f.seq)).toEqual([249, 250])
  })

  it('paces a CONTROL blast at `rate` per second and reports each message\'s send time', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    const reply = await client.request('CONTROL', { op: 'blast', count: 20, keys: 5, rate: 1_000 })
    expect(reply.data).toEqual({ done: true, count: 20 })
    expect(client.messages.filter((m) => m.type === 'WIDGET_UPDATE')).toHaveLength(20)
    const times = (await client.request('CONTROL', { op: 'blastTimes' })).data as { count: number; origin: number; micros: number[] }
    expect(times.count).toBe(20)
    expect(times.micros).toHaveLength(20)
    expect(times.micros[0]).toBe(0)
    // Message i is not sent before i ms into the blast (at 1,000 per second).
    for (let i = 1; i < 20; i++) expect(times.micros[i]).toBeGreaterThanOrEqual(times.micros[i - 1]!)
    expect(times.micros[19]).toBeGreaterThanOrEqual(18_000)
  })

  it('answers clock with the server\'s performance.timeOrigin + performance.now()', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    const before = performance.timeOrigin + performance.now()
    const { now } = (await client.request('CONTROL', { op: 'clock' })).data as { now: number }
    expect(now).toBeGreaterThanOrEqual(before)
    expect(now).toBeLessThanOrEqual(performance.timeOrigin + performance.now())
  })

  it('refuses bad blast options before sending anything', async () => {
    const server = await start({ allowControl: true })
    const client = await connect(server)
    for (const bad of [{ rate: 0 }, { rate: 'fast' }, { perFrame: 0 }, { perFrame: 1.5 }, { keys: 0 }]) {
      client.send({ type: 'CONTROL', id: 'bad', data: { op: 'blast', count: 10, ...bad } })
      expect(await client.next(replyTo('bad'))).toMatchObject({ type: 'ERROR' })
    }
    expect(server.seq).toBe(0)
  })
})
