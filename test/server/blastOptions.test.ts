import { describe, it, expect } from 'vitest'
import { replyTo, useServerFixture } from './support/serverFixture'
import { packFrames } from '../../examples/server/blast'
import type { WireMessage } from '../../examples/server/types'

const { start, connect } = useServerFixture()
const update = (i: number) => ({ type: 'WIDGET_UPDATE', data: { id: `w-${i % 10}`, value: i, version: i + 1 } })

describe('reference server: blast options for benchmarks', () => {
  it('packs frames into one BATCH text in order, and leaves a lone frame as it is', () => {
    const frame = (i: number) => JSON.stringify({ type: 'T', seq: i })
    expect(JSON.parse(packFrames(3, 6, frame))).toEqual({ type: 'BATCH', data: [3, 4, 5].map((seq) => ({ type: 'T', seq })) })
    expect(packFrames(7, 8, frame)).toBe(frame(7))
  })

  it('blast with perFrame sends BATCH frames whose elements are numbered and logged for SYNC', async () => {
    const server = await start()
    const client = await connect(server)
    await server.blast(250, update, { perFrame: 100 })
    await server.blast(1, (i) => update(250 + i), { perFrame: 100 })
    const lone = await client.next((m) => m.type === 'WIDGET_UPDATE')
    const batches = client.messages.filter((m) => m.type === 'BATCH')
    expect(batches.map((b) => (b.data as unknown[]).length)).toEqual([100, 100, 50])
    const elements = batches.flatMap((b) => b.data as WireMessage[])
    expect(elements.map((e) => e.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1))
    expect(elements[13]).toMatchObject({ type: 'WIDGET_UPDATE', seq: 14, data: { id: 'w-3', value: 13, version: 14 } })
    expect(lone).toMatchObject({ seq: 251, data: { value: 250 } })
    expect(server.seq).toBe(251)
    expect(server.broadcastsSince(249)?.map((f) => f.seq)).toEqual([250, 251])
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
