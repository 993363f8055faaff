/**
 * Issue 6, bug 7: entity keys are data. `__proto__`, `constructor`, `toString`, `hasOwnProperty`
 * round-trip through state and selectors (RTK's serializable check stays silent: a console warning
 * fails the test, see test/setup/failOnConsole.ts); the empty string is refused.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket, openStore, WidgetServer } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] as const

/** Paths of the objects in `value` whose prototype is not Object.prototype, Array.prototype or null. */
function foreignPrototypes(value: unknown, path = 'state', out: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return out
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) out.push(path)
  for (const key of Object.getOwnPropertyNames(value)) foreignPrototypes((value as Record<string, unknown>)[key], `${path}[${JSON.stringify(key)}]`, out)
  return out
}

/** The own property `key` of an object (never its prototype). */
const own = (object: object, key: string) => Object.getOwnPropertyDescriptor(object, key)?.value

function expectKeysStored(t: Awaited<ReturnType<typeof openStore>>, server: WidgetServer) {
  const state = t.store.getState()
  const views = t.realtime.selectors.selectEntities(state, 'widgets')
  for (const key of KEYS) {
    expect(t.view(key), `selectEntity(${key})`).toEqual(server.value(key))
    expect(t.record(key), `selectEntityRecord(${key})`).toMatchObject({ confirmed: server.value(key), version: server.version(key) })
    expect(Object.hasOwn(views, key), `selectEntities has own ${key}`).toBe(true)
    expect(own(views, key), `selectEntities[${key}]`).toEqual(server.value(key))
  }
  expect([Object.prototype, null]).toContain(Object.getPrototypeOf(views))
  expect(foreignPrototypes(state)).toEqual([])
  expect(({} as Record<string, unknown>).title).toBeUndefined() // Object.prototype untouched
}

describe('bug 7: entity keys that are Object.prototype names', () => {
  it('delivered as WIDGET_UPDATE frames, then updated by a mutation and ACKed: stored and read back like any key', async () => {
    const server = new WidgetServer()
    KEYS.forEach((key, i) => server.seed(key, 1, { id: key, title: `t-${i}`, value: i }))
    const t = await openStore({}, server) // frames through the batch window
    expectKeysStored(t, server)

    const opIds = KEYS.map((id, i) => t.mutate('updateWidget', { id, value: 100 + i }))
    for (const [i, key] of KEYS.entries()) expect(t.view(key)).toEqual({ id: key, title: `t-${i}`, value: 100 + i })
    const frames = t.opFrames()
    expect(frames.map((m) => m.data.id)).toEqual([...KEYS])
    await t.deliver(...frames.map((frame) => t.ack(frame.id!, server.apply(frame), 1)))
    await t.deliver(...frames.map((frame) => server.broadcast(frame.data.id, frame.id)))
    await vi.advanceTimersByTimeAsync(200)
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(opIds).toHaveLength(KEYS.length)
    expectKeysStored(t, server)
  })

  it('created by mutations and ACKed: stored and read back like any key', async () => {
    const server = new WidgetServer()
    const t = await openStore({ config: { updates: { BATCH_MODE: 'off' } } })
    KEYS.forEach((id, i) => t.mutate('createWidget', { id, title: `new-${i}`, value: i }))
    for (const [i, key] of KEYS.entries()) expect(t.view(key), `optimistic view of ${key}`).toEqual({ id: key, title: `new-${i}`, value: i })
    const frames = t.opFrames()
    expect(frames.map((m) => [m.type, m.data.id])).toEqual(KEYS.map((key) => ['WIDGET_CREATE', key]))
    await t.deliver(...frames.map((frame) => t.ack(frame.id!, server.apply(frame), 1)))
    await t.deliver(...frames.map((frame) => server.broadcast(frame.data.id, frame.id)))
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expectKeysStored(t, server)
  })

  it('the empty string is refused: a mutation throws a TypeError naming the action; an update frame is messageRejected (validation_failed)', async () => {
    const t = await openStore({ config: { updates: { BATCH_MODE: 'off' } } })
    expect(() => t.realtime.actions.updateWidget({ id: '', value: 1 })).toThrow(TypeError)
    expect(() => t.realtime.actions.updateWidget({ id: '', value: 1 })).toThrow(/updateWidget/)
    await t.deliver({ type: 'WIDGET_UPDATE', data: { id: '', title: 'empty', value: 1, version: 1 } })
    expect(t.rejections().map((a) => a.payload.code)).toEqual(['validation_failed'])
    expect(t.view('')).toBeUndefined()
    expect(t.ops()).toEqual([])
  })
})
