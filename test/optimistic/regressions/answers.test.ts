/**
 * Issue 6, bugs 8, 9 and 10: an answer is checked against the op it claims to answer before it is
 * trusted, and bad answers and bad updates are reported as `messageRejected`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket, openStore, WidgetServer, type Options } from './support'

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

const off = { config: { updates: { BATCH_MODE: 'off' } } } as Options

describe("bug 8: an ACK's data.key is checked against the op", () => {
  it("pending op on b, ACK naming key a at v51: invalid_answer, b untouched and pending; the right ACK at v2 confirms it", async () => {
    const server = new WidgetServer().seed('a', 50, { id: 'a', title: 'A', value: 5 }).seed('b', 1, { id: 'b', title: 'B', value: 1 })
    const t = await openStore(off, server)
    const op = t.mutate('updateWidget', { id: 'b', value: 10 })
    const [frame] = t.opFrames('b')
    const before = { a: t.record('a'), b: t.record('b') }

    await t.deliver(t.ack(op, { key: 'a', version: 51, value: { id: 'a', title: 'A', value: 99 } }))
    const rejected = t.rejections()
    expect(rejected.map((a) => a.payload.code)).toEqual(['invalid_answer'])
    expect(rejected[0]!.payload.reason).toContain(op)
    expect(t.record('b')).toEqual(before.b)
    expect(t.record('a')).toEqual(before.a)
    expect(t.ops().map((o) => o.opId)).toEqual([op])

    await t.deliver(t.ack(op, server.apply(frame!)))
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.record('b')).toEqual({ confirmed: server.value('b'), version: 2, view: server.value('b') })
    expect(t.record('a')).toEqual(before.a)
    expect(t.rejections()).toHaveLength(1)
    expect(t.received()).toEqual([])
  })
})

describe("bug 9: an ACK's value is validated like an entity update", () => {
  it('ACK {version: 2, value: 42}: invalid_answer, the entity is not 42, the op still pending', async () => {
    const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
    const t = await openStore(off, server)
    const op = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    const [frame] = t.opFrames('w-1')

    await t.deliver(t.ack(op, { key: 'w-1', version: 2, value: 42 }))
    const rejected = t.rejections()
    expect(rejected.map((a) => a.payload.code)).toEqual(['invalid_answer'])
    expect(rejected[0]!.payload.reason).toContain(op)
    expect(t.record('w-1')).toEqual({ confirmed: { id: 'w-1', title: 'CPU', value: 1 }, version: 1, view: { id: 'w-1', title: 'CPU', value: 10 } })
    expect(t.ops().map((o) => o.opId)).toEqual([op])

    await t.deliver(t.ack(op, server.apply(frame!)))
    expect(t.ops()).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 2, view: server.value('w-1') })
  })
})

describe('every fault "Answers are checked" lists is invalid_answer, and confirms nothing', () => {
  // The README's list: data not an object, key missing or not the op's, version not a finite
  // number above 0, a value failing the collection's check (its id not the op's key), an attempt
  // naming a delivery never made.
  const faults: Array<[string, (op: string, t: { ack: (opId: string, data: Record<string, unknown>, attempt?: number) => object }) => object]> = [
    ['data is not an object', (op) => ({ type: 'ACK', replyTo: op, data: 'ok' })],
    ['data has no key', (op, t) => t.ack(op, { version: 2, value: { id: 'w-1', title: 'CPU', value: 10 } })],
    ['version 0', (op, t) => t.ack(op, { key: 'w-1', version: 0, value: { id: 'w-1', title: 'CPU', value: 10 } })],
    ['version "2" (a string)', (op, t) => t.ack(op, { key: 'w-1', version: '2', value: { id: 'w-1', title: 'CPU', value: 10 } })],
    ["the value's id is another key", (op, t) => t.ack(op, { key: 'w-1', version: 2, value: { id: 'w-2', title: 'CPU', value: 10 } })],
    ['attempt 5 when 1 delivery was made', (op, t) => t.ack(op, { key: 'w-1', version: 2, value: { id: 'w-1', title: 'CPU', value: 10 } }, 5)],
    ['a NACK naming attempt 5 when 1 delivery was made', (op) => ({ type: 'NACK', replyTo: op, attempt: 5, data: { reason: 'no', retryable: false } })],
  ]

  it.each(faults)('%s: the op stays pending and the entity as it was; the right ACK then confirms it', async (_fault, answer) => {
    const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
    const t = await openStore(off, server)
    const op = t.mutate('updateWidget', { id: 'w-1', value: 10 })
    const [frame] = t.opFrames('w-1')
    const before = t.record('w-1')

    await t.deliver(answer(op, t) as Parameters<typeof t.deliver>[0])
    const rejected = t.rejections()
    expect(rejected.map((a) => a.payload.code)).toEqual(['invalid_answer'])
    expect(rejected[0]!.payload.reason).toContain(op)
    expect(t.received()).toEqual([])
    expect(t.record('w-1')).toEqual(before)
    expect(t.ops().map((o) => [o.opId, o.status])).toEqual([[op, 'sent']])
    expect(t.optimistic().rollbacks).toEqual([])

    await t.deliver(t.ack(op, server.apply(frame!), 1))
    expect(t.ops()).toEqual([])
    expect(t.index()).toEqual([])
    expect(t.record('w-1')).toEqual({ confirmed: server.value('w-1'), version: 2, view: server.value('w-1') })
  })
})

describe('bug 10: bad answers and bad updates are reported', () => {
  it('an ACK or NACK for an unknown opId is messageRejected unmatched_answer, never a messageReceived', async () => {
    const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
    const t = await openStore(off, server)
    await t.deliver(t.ack('no-such-op', { key: 'w-1', version: 7, value: { id: 'w-1', title: 'X', value: 7 } }))
    await t.deliver(t.nack('no-such-op-either', 'refused'))
    expect(t.received()).toEqual([])
    expect(t.rejections().map((a) => a.payload.code)).toEqual(['unmatched_answer', 'unmatched_answer'])
    expect(t.record('w-1')).toMatchObject({ version: 1, view: { id: 'w-1', title: 'CPU', value: 1 } })
  })

  it('an entity update with version -5 (or 0) is messageRejected validation_failed', async () => {
    const server = new WidgetServer().seed('w-1', 1, { id: 'w-1', title: 'CPU', value: 1 })
    const t = await openStore(off, server)
    await t.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'bad', value: 2, version: -5 } })
    await t.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-9', title: 'bad', value: 2, version: 0 } })
    expect(t.rejections().map((a) => a.payload.code)).toEqual(['validation_failed', 'validation_failed'])
    expect(t.record('w-1')).toMatchObject({ version: 1, view: { id: 'w-1', title: 'CPU', value: 1 } })
    expect(t.record('w-9')).toBeUndefined()
  })

  it('also when a custom parse returns the bad version', async () => {
    const t = await openStore({
      ...off,
      collections: {
        widgets: {
          updates: ['WIDGET_UPDATE'],
          parse: (data: unknown) => ({ key: (data as { id: string }).id, version: -5, value: data }),
        },
      },
    } as Options)
    await t.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', title: 'bad', value: 2 } })
    expect(t.rejections().map((a) => a.payload.code)).toEqual(['validation_failed'])
    expect(t.record('w-1')).toBeUndefined()
  })
})
