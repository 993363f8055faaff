/**
 * Issue 9: a server entity whose id is an Object.prototype name (`__proto__`, `constructor`,
 * `prototype`) is stored and shown like any other id. The frames arrive as raw text (JSON.stringify
 * of an object literal would not even keep a `__proto__` key) through the real path: socket ->
 * codec -> batcher -> reducers; the ops on those ids are settled by ACK/NACK frames.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { bucketOf } from '../../src/util/buckets'
import { endOfTurn, FakeWebSocket, openStore, REJECTED } from '../optimistic/regressions/support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const IDS = ['__proto__', 'constructor', 'prototype'] as const

/** An entity-update frame as raw text, with the id written by hand. */
const updateFrame = (id: string, version: number, value: number, seq?: number) =>
  `{"type":"WIDGET_UPDATE",${seq === undefined ? '' : `"seq":${seq},`}"data":{"id":${JSON.stringify(id)},"title":"t-${id}","value":${value},"version":${version}}}`

/** Paths of the objects in `value` whose prototype is not Object.prototype, Array.prototype or null. */
function foreignPrototypes(value: unknown, path = 'state', out: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return out
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) out.push(path)
  for (const key of Object.getOwnPropertyNames(value)) foreignPrototypes((value as Record<string, unknown>)[key], `${path}[${JSON.stringify(key)}]`, out)
  return out
}

/** A plain id that hashes to the same bucket as `id`: the bucket they share must keep both. */
function neighbourOf(id: string): string {
  for (let i = 0; ; i++) if (bucketOf(`n-${i}`) === bucketOf(id)) return `n-${i}`
}

type Store = Awaited<ReturnType<typeof openStore>>

function expectClean(t: Store) {
  const state = t.store.getState()
  expect(foreignPrototypes(state)).toEqual([])
  expect(({} as Record<string, unknown>).title).toBeUndefined()
  expect(({} as Record<string, unknown>).version).toBeUndefined()
  expect(t.rejections()).toEqual([])
}

function expectEntity(t: Store, id: string, version: number, value: number) {
  const widget = { id, title: `t-${id}`, value }
  expect(t.view(id), `view of ${id}`).toEqual(widget)
  expect(t.record(id), `record of ${id}`).toMatchObject({ confirmed: widget, version })
  const views = t.realtime.selectors.selectEntities(t.store.getState(), 'widgets')
  expect(Object.getOwnPropertyDescriptor(views, id)?.value, `selectEntities has own ${id}`).toEqual(widget)
  const bucket = t.store.getState().realtime.collections.widgets!.entities[bucketOf(id)]!
  expect(Object.hasOwn(bucket, id), `bucket ${bucketOf(id)} has own ${id}`).toBe(true)
}

describe('entity ids that are Object.prototype names (issue 9)', () => {
  it('update frames (single, and inside a BATCH) store each id next to a plain id of the same bucket; a stale duplicate is ignored', async () => {
    const t = await openStore()
    const neighbours = IDS.map(neighbourOf)
    for (const [i, id] of IDS.entries()) {
      t.socket.deliver(updateFrame(neighbours[i]!, 1, 10 + i))
      t.socket.deliver(updateFrame(id, 1, i))
    }
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(200)
    for (const [i, id] of IDS.entries()) expectEntity(t, id, 1, i)
    // A BATCH frame with newer versions, then a late duplicate of version 1: the newer value stays.
    t.socket.deliver(`{"type":"BATCH","data":[${IDS.map((id, i) => updateFrame(id, 2, 20 + i)).join(',')}]}`)
    t.socket.deliver(updateFrame('__proto__', 1, 99))
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(200)
    for (const [i, id] of IDS.entries()) {
      expectEntity(t, id, 2, 20 + i)
      expect(t.view(neighbours[i]!), `neighbour ${neighbours[i]} of ${id}`).toEqual({ id: neighbours[i], title: `t-${neighbours[i]}`, value: 10 + i })
    }
    expectClean(t)
  })

  it('an op on each id is confirmed by its ACK, another is rolled back by a NACK, with the view restored', async () => {
    const t = await openStore({ config: { updates: { BATCH_MODE: 'off' } } })
    for (const [i, id] of IDS.entries()) t.socket.deliver(updateFrame(id, 1, i))
    await endOfTurn()

    const confirmed = IDS.map((id, i) => t.mutate('updateWidget', { id, value: 100 + i }))
    for (const [i, id] of IDS.entries()) expect(t.view(id)).toEqual({ id, title: `t-${id}`, value: 100 + i })
    expect(t.index()).toHaveLength(IDS.length)
    await t.deliver(...confirmed.map((opId, i) => t.ack(opId, { key: IDS[i], version: 2, value: { id: IDS[i], title: `t-${IDS[i]}`, value: 100 + i } })))
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    for (const [i, id] of IDS.entries()) expectEntity(t, id, 2, 100 + i)

    const refused = IDS.map((id) => t.mutate('updateWidget', { id, value: -1 }))
    for (const id of IDS) expect(t.view(id)?.value).toBe(-1)
    await t.deliver(...refused.map((opId) => t.nack(opId, 'not allowed')))
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    const rollbacks = t.store.getState().realtime.optimistic.rollbacks as Array<{ key: string }>
    expect(rollbacks.map((r) => r.key)).toEqual([...IDS])
    for (const [i, id] of IDS.entries()) expectEntity(t, id, 2, 100 + i)
    expectClean(t)
  })

  it('deleted by a frame and by a snapshot that leaves it out: gone without touching its bucket neighbour', async () => {
    const t = await openStore({ config: { updates: { BATCH_MODE: 'off' } } })
    const neighbour = neighbourOf('__proto__')
    const syncReply = (requestId: string, seq: number, frames: string[]) =>
      `{"type":"SYNC_RESULT","replyTo":"${requestId}","data":{"snapshot":true,"seq":${seq},"messages":[${frames.join(',')}]}}`
    t.socket.deliver(syncReply(t.socket.syncRequests[0]!.id, 0, [])) // the first sync: nothing yet
    for (const id of [...IDS, neighbour]) t.socket.deliver(updateFrame(id, 1, 1))
    await endOfTurn()
    t.socket.deliver('{"type":"WIDGET_UPDATE","data":{"id":"__proto__","deleted":true,"version":2}}')
    await endOfTurn()
    // A deleted entity is kept as a tombstone (view null, its version remembered), as for any id.
    expect(t.view('__proto__')).toBeNull()
    expect(t.record('__proto__')).toMatchObject({ confirmed: null, version: 2 })
    expect(Object.hasOwn(t.realtime.selectors.selectEntities(t.store.getState(), 'widgets'), '__proto__')).toBe(false)
    expect(t.view(neighbour)).toEqual({ id: neighbour, title: `t-${neighbour}`, value: 1 })

    // A SYNC snapshot that holds only `prototype` and the neighbour: `constructor` is deleted on the server.
    t.store.dispatch(t.realtime.actions.refresh())
    await vi.advanceTimersByTimeAsync(0)
    const sync = t.socket.syncRequests.at(-1)!
    expect(t.socket.syncRequests).toHaveLength(2)
    t.socket.deliver(syncReply(sync.id, 5, [updateFrame('prototype', 3, 3), updateFrame(neighbour, 1, 1)]))
    await endOfTurn()
    expect(t.view('constructor') ?? null).toBeNull()
    expect(Object.hasOwn(t.realtime.selectors.selectEntities(t.store.getState(), 'widgets'), 'constructor')).toBe(false)
    expectEntity(t, 'prototype', 3, 3)
    expect(t.view(neighbour)).toEqual({ id: neighbour, title: `t-${neighbour}`, value: 1 })
    expect(t.store.getState().realtime.sync.collections.widgets!.status).toBe('ready')
    expect(t.seen.filter((a) => a.type === REJECTED)).toEqual([])
    expectClean(t)
  })
})
