import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createUpdateBatcher, RAF_FALLBACK_DELAY } from '../../src/batching/createUpdateBatcher'
import type { CoalescedUpdate, EntityUpdate } from '../../src/batching/types'
import { fakeFrames, fakeTimers, setup, u, type Flush } from './support'

describe('createUpdateBatcher: triggers', () => {
  it('window: flushes synchronously when `size` adds were made, counting coalesced ones', () => {
    const { batcher, clock, flushes } = setup({ size: 3 })
    batcher.add(u('a', 1))
    batcher.add(u('a', 2))
    expect(flushes).toHaveLength(0)
    batcher.add(u('b', 1))
    expect(flushes).toHaveLength(1)
    expect(flushes[0]?.updates.map((x) => [x.key, x.version])).toEqual([
      ['a', 2],
      ['b', 1],
    ])
    expect(flushes[0]?.stats).toEqual({ received: 3, coalesced: 1 })
    // The size flush cancelled the batch's timer.
    expect(clock.count()).toBe(0)
  })

  it('window: flushes `delay` ms after the first add of a batch, not after the last', () => {
    const { batcher, clock, flushes } = setup()
    batcher.add(u('a', 1))
    clock.advance(150)
    batcher.add(u('b', 1))
    clock.advance(49)
    expect(flushes).toHaveLength(0)
    clock.advance(1)
    expect(flushes).toHaveLength(1)
    expect(flushes[0]?.updates.map((x) => x.key)).toEqual(['a', 'b'])
    // The next batch opens its own window at its first add.
    clock.advance(1000)
    batcher.add(u('c', 1))
    clock.advance(199)
    expect(flushes).toHaveLength(1)
    clock.advance(1)
    expect(flushes).toHaveLength(2)
    expect(clock.count()).toBe(0)
  })

  it('window with delay Infinity: only the size flushes (no timer at all)', () => {
    const { batcher, clock, flushes } = setup({ size: 2, delay: Infinity })
    batcher.add(u('a', 1))
    expect(clock.count()).toBe(0)
    clock.advance(1e9)
    expect(flushes).toHaveLength(0)
    batcher.add(u('b', 1))
    expect(flushes).toHaveLength(1)
  })

  it('raf: one flush on the next animation frame, one frame requested per batch', () => {
    const frames = fakeFrames()
    const { batcher, clock, flushes } = setup({ mode: 'raf', ...frames })
    for (let i = 0; i < 10; i++) batcher.add(u(`k${i % 3}`, i))
    expect(frames.requestAnimationFrame).toHaveBeenCalledTimes(1)
    expect(clock.count()).toBe(0)
    clock.advance(10_000)
    expect(flushes).toHaveLength(0)
    frames.frame()
    expect(flushes).toHaveLength(1)
    expect(flushes[0]?.updates.map((x) => [x.key, x.version])).toEqual([
      ['k0', 9],
      ['k1', 7],
      ['k2', 8],
    ])
    batcher.add(u('k0', 10))
    expect(frames.requestAnimationFrame).toHaveBeenCalledTimes(2)
  })

  it('raf: `size` is ignored, 10,000 adds in a frame are one flush on that frame', () => {
    const frames = fakeFrames()
    const { batcher, flushes } = setup({ mode: 'raf', size: 2, ...frames })
    for (let i = 0; i < 10_000; i++) batcher.add(u(`k${i}`, 1))
    expect(flushes).toHaveLength(0)
    expect(frames.requestAnimationFrame).toHaveBeenCalledTimes(1)
    frames.frame()
    expect(flushes).toHaveLength(1)
    expect(flushes[0]?.stats).toEqual({ received: 10_000, coalesced: 0 })
    expect(flushes[0]?.updates).toHaveLength(10_000)
    // An early flush() cancels the frame it no longer needs.
    batcher.add(u('a', 2))
    batcher.flush()
    expect(frames.cancelAnimationFrame).toHaveBeenCalledWith(2)
    expect(frames.count()).toBe(0)
  })

  it('raf without cancelAnimationFrame: the stale frame after an early flush is harmless', () => {
    const frames = fakeFrames()
    const { batcher, flushes } = setup({ mode: 'raf', requestAnimationFrame: frames.requestAnimationFrame })
    batcher.add(u('a', 1))
    batcher.flush()
    expect(flushes).toHaveLength(1)
    frames.frame()
    expect(flushes).toHaveLength(1)
    batcher.add(u('b', 1))
    frames.frame()
    expect(flushes).toHaveLength(2)
  })

  it(`raf without requestAnimationFrame: a ${RAF_FALLBACK_DELAY} ms timer stands in`, () => {
    const { batcher, clock, flushes } = setup({ mode: 'raf' })
    batcher.add(u('a', 1))
    batcher.add(u('b', 1))
    clock.advance(RAF_FALLBACK_DELAY - 1)
    expect(flushes).toHaveLength(0)
    clock.advance(1)
    expect(flushes).toHaveLength(1)
    expect(flushes[0]?.updates).toHaveLength(2)
  })

  it("off: every add is flushed synchronously on its own, without timers", () => {
    const { batcher, clock, flushes } = setup({ mode: 'off' })
    batcher.add(u('a', 1))
    batcher.add(u('a', 1))
    batcher.add(u('b', 2, { opId: 'op-1' }))
    expect(clock.count()).toBe(0)
    expect(flushes.map((f) => f.updates.map((x) => [x.key, x.version, x.opIds]))).toEqual([
      [['a', 1, undefined]],
      [['a', 1, undefined]],
      [['b', 2, ['op-1']]],
    ])
    expect(flushes.every((f) => f.stats.received === 1 && f.stats.coalesced === 0)).toBe(true)
    expect(batcher.pending()).toBe(0)
  })
})

describe('createUpdateBatcher: coalescing', () => {
  it('1,000 updates over 100 keys in one window: one flush of 100, the highest version of each key', () => {
    const { batcher, clock, flushes } = setup({ size: Infinity })
    // Versions 1..10 per key, delivered in a scrambled order so "last wins" would be wrong.
    const order = Array.from({ length: 1000 }, (_, i) => i).sort((a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000))
    for (const i of order) batcher.add(u(`w-${i % 100}`, Math.floor(i / 100) + 1))
    expect(batcher.pending()).toBe(100)
    clock.advance(200)
    expect(flushes).toHaveLength(1)
    const [flush] = flushes as [Flush]
    expect(flush.stats).toEqual({ received: 1000, coalesced: 900 })
    expect(flush.updates).toHaveLength(100)
    expect(new Set(flush.updates.map((x) => x.key)).size).toBe(100)
    for (const x of flush.updates) {
      expect(x.version).toBe(10)
      expect(x.value).toEqual({ key: x.key, version: 10 })
    }
  })

  it('keeps the first-seen order of keys, even when a later version replaces a slot', () => {
    const { batcher, flushes } = setup()
    batcher.add(u('b', 1))
    batcher.add(u('a', 1))
    batcher.add(u('c', 1))
    batcher.add(u('a', 9))
    batcher.add(u('b', 5))
    batcher.flush()
    expect(flushes[0]?.updates.map((x) => [x.key, x.version])).toEqual([
      ['b', 5],
      ['a', 9],
      ['c', 1],
    ])
  })

  it('out-of-order versions: v5 then v3 keeps v5', () => {
    const { batcher, flushes } = setup()
    const v5 = u('a', 5)
    batcher.add(v5)
    batcher.add(u('a', 3))
    batcher.flush()
    expect(flushes[0]?.updates).toEqual([v5])
    expect(flushes[0]?.updates[0]).toBe(v5)
    expect(flushes[0]?.stats).toEqual({ received: 2, coalesced: 1 })
  })

  it('an equal version is a duplicate: the first is kept, the later dropped', () => {
    const { batcher, flushes } = setup()
    const first = u('a', 2, { value: 'first' })
    batcher.add(first)
    batcher.add(u('a', 2, { value: 'second' }))
    batcher.flush()
    expect(flushes[0]?.updates).toHaveLength(1)
    expect(flushes[0]?.updates[0]).toBe(first)
  })

  it('a delete is an update like any other: the highest version wins either way', () => {
    const { batcher, flushes } = setup()
    batcher.add(u('a', 1))
    batcher.add(u('a', 2, { value: null, deleted: true }))
    batcher.add(u('b', 2, { value: null, deleted: true }))
    batcher.add(u('b', 3))
    batcher.flush()
    expect(flushes[0]?.updates.map((x) => [x.key, x.version, x.deleted ?? false])).toEqual([
      ['a', 2, true],
      ['b', 3, false],
    ])
  })

  it('the same key in two collections is two entities', () => {
    const { batcher, flushes } = setup()
    batcher.add({ collection: 'widgets', key: 'x', version: 1, value: 1 })
    batcher.add({ collection: 'alerts', key: 'x', version: 1, value: 2 })
    batcher.add({ collection: 'widgets', key: 'x', version: 2, value: 3 })
    batcher.flush()
    expect(flushes[0]?.updates.map((x) => [x.collection, x.value])).toEqual([
      ['widgets', 3],
      ['alerts', 2],
    ])
  })

  it('merges the opIds of every update of a key, dropped ones included, in arrival order without repeats', () => {
    const { batcher, flushes } = setup()
    const inputs = [
      u('a', 1, { opId: 'op-1' }),
      u('a', 3, { opId: 'op-2' }),
      u('a', 2, { opId: 'op-3' }), // older: dropped, but op-3 is still confirmed by it
      u('a', 3, { opId: 'op-4' }), // duplicate version: dropped, op-4 kept
      u('a', 1, { opId: 'op-1' }), // a repeated broadcast
      u('a', 4), // the winner carries no opId
      u('b', 1, { opId: 'op-5' }),
      u('c', 1),
    ]
    const snapshot = structuredClone(inputs)
    for (const x of inputs) batcher.add(x)
    batcher.flush()
    const [a, b, c] = flushes[0]?.updates ?? []
    expect(a).toMatchObject({ key: 'a', version: 4, opIds: ['op-1', 'op-2', 'op-3', 'op-4'] })
    expect(a?.opId).toBeUndefined()
    // opIds is set whenever there is one, so a consumer can read it alone.
    expect(b).toMatchObject({ key: 'b', opId: 'op-5', opIds: ['op-5'] })
    expect(c).toBe(inputs[7])
    expect(c && 'opIds' in c).toBe(false)
    // The caller's objects are never modified.
    expect(inputs).toEqual(snapshot)
  })

  it('keeps the opId of a first update that a newer one (without opId) replaced', () => {
    const { batcher, flushes } = setup()
    batcher.add(u('a', 1, { opId: 'mine' }))
    batcher.add(u('a', 2))
    batcher.flush()
    expect(flushes[0]?.updates[0]).toMatchObject({ version: 2, opIds: ['mine'] })
  })

  it('deduplicate: false keeps every update in arrival order, still one flush per window', () => {
    const { batcher, clock, flushes } = setup({ deduplicate: false })
    const inputs = [u('a', 2), u('a', 1), u('b', 1, { opId: 'op-1' }), u('a', 2)]
    for (const x of inputs) batcher.add(x)
    expect(batcher.pending()).toBe(4)
    clock.advance(200)
    expect(flushes).toHaveLength(1)
    expect(flushes[0]?.updates.map((x) => [x.key, x.version, x.opIds])).toEqual([
      ['a', 2, undefined],
      ['a', 1, undefined],
      ['b', 1, ['op-1']],
      ['a', 2, undefined],
    ])
    expect(flushes[0]?.stats).toEqual({ received: 4, coalesced: 0 })
  })

  it('a key seen in an earlier batch is coalesced afresh, wherever it lands in the new batch', () => {
    const { batcher, flushes } = setup()
    batcher.add(u('a', 1))
    batcher.add(u('b', 1))
    batcher.flush()
    batcher.add(u('b', 2))
    batcher.add(u('c', 1))
    batcher.add(u('a', 2))
    batcher.add(u('a', 3))
    batcher.flush()
    expect(flushes[1]?.updates.map((x) => [x.key, x.version])).toEqual([
      ['b', 2],
      ['c', 1],
      ['a', 3],
    ])
  })

  it('stays correct across very many distinct keys (the key index is rebuilt when it grows large)', () => {
    const { batcher, flushes } = setup({ size: 1000 })
    for (let i = 0; i < 250_000; i++) batcher.add(u(`k${i}`, 1))
    batcher.add(u('k3', 2))
    batcher.add(u('k3', 1))
    batcher.add(u('k249999', 5))
    batcher.flush()
    expect(flushes.reduce((n, f) => n + f.updates.length, 0)).toBe(250_002)
    expect(flushes.at(-1)?.updates.map((x) => [x.key, x.version])).toEqual([
      ['k3', 2],
      ['k249999', 5],
    ])
  })
})

describe('createUpdateBatcher: control', () => {
  it('flush() delivers now and cancels the window; an empty flush does nothing', () => {
    const { batcher, clock, flushes } = setup()
    batcher.flush()
    expect(flushes).toHaveLength(0)
    batcher.add(u('a', 1))
    expect(batcher.pending()).toBe(1)
    batcher.flush()
    expect(flushes).toHaveLength(1)
    expect(batcher.pending()).toBe(0)
    expect(clock.count()).toBe(0)
    clock.advance(1000)
    expect(flushes).toHaveLength(1)
  })

  it('pending() counts the updates the next flush would hand over', () => {
    const { batcher } = setup()
    batcher.add(u('a', 1))
    batcher.add(u('a', 2))
    batcher.add(u('b', 1))
    expect(batcher.pending()).toBe(2)
  })

  it('dispose() cancels the timer, discards the batch and ignores later adds', () => {
    const frames = fakeFrames()
    const { batcher, clock, flushes } = setup()
    batcher.add(u('a', 1))
    expect(clock.count()).toBe(1)
    batcher.dispose()
    expect(clock.count()).toBe(0)
    expect(batcher.pending()).toBe(0)
    batcher.add(u('b', 1))
    clock.advance(1000)
    batcher.flush()
    expect(flushes).toHaveLength(0)
    expect(clock.count()).toBe(0)

    const raf = setup({ mode: 'raf', ...frames })
    raf.batcher.add(u('a', 1))
    raf.batcher.dispose()
    expect(frames.count()).toBe(0)
  })

  it('a throwing onFlush (no onError) throws to the trigger and leaves the batcher usable', () => {
    const clock = fakeTimers()
    const delivered: string[][] = []
    let fail = true
    const batcher = createUpdateBatcher({
      mode: 'window',
      size: 2,
      delay: 100,
      deduplicate: true,
      timers: clock.timers,
      onFlush: (updates) => {
        if (fail) throw new Error('reducer blew up')
        delivered.push(updates.map((x) => x.key))
      },
    })
    batcher.add(u('a', 1))
    expect(() => batcher.add(u('b', 1))).toThrow('reducer blew up')
    expect(batcher.pending()).toBe(0)
    expect(clock.count()).toBe(0)
    // From the timer: the throw leaves the timer callback (the host reports it); state is clean.
    batcher.add(u('c', 1))
    expect(() => clock.advance(100)).toThrow('reducer blew up')
    expect(batcher.pending()).toBe(0)
    fail = false
    batcher.add(u('d', 1))
    clock.advance(100)
    batcher.add(u('e', 1))
    batcher.add(u('f', 1))
    expect(delivered).toEqual([['d'], ['e', 'f']])
  })

  it('onError receives what onFlush throws, with the batch, and nothing is thrown', () => {
    const errors: [string, string[]][] = []
    const { batcher, clock, flushes } = setup({
      onFlush: (updates) => {
        if (updates.some((x) => x.key === 'bad')) throw new Error('bad batch')
        flushes.push({ updates, stats: { received: 0, coalesced: 0 } })
      },
      onError: (error, updates) => errors.push([(error as Error).message, updates.map((x) => x.key)]),
    })
    batcher.add(u('bad', 1))
    batcher.add(u('x', 1))
    clock.advance(200)
    batcher.add(u('good', 1))
    batcher.flush()
    expect(errors).toEqual([['bad batch', ['bad', 'x']]])
    expect(flushes.map((f) => f.updates.map((x) => x.key))).toEqual([['good']])
  })

  it('an add made from inside onFlush lands in the next batch', () => {
    const clock = fakeTimers()
    const batches: string[][] = []
    const batcher = createUpdateBatcher({
      mode: 'window',
      size: 50,
      delay: 100,
      deduplicate: true,
      timers: clock.timers,
      onFlush: (updates) => {
        batches.push(updates.map((x) => `${x.key}@${x.version}`))
        if (batches.length === 1) batcher.add(u('a', 2))
      },
    })
    batcher.add(u('a', 1))
    clock.advance(100)
    expect(batches).toEqual([['a@1']])
    expect(batcher.pending()).toBe(1)
    clock.advance(100)
    expect(batches).toEqual([['a@1'], ['a@2']])
  })

  it('rejects invalid options', () => {
    const base = { mode: 'window' as const, size: 50, delay: 200, deduplicate: true, timers: fakeTimers().timers, onFlush: () => {} }
    expect(() => createUpdateBatcher({ ...base, size: 0 })).toThrow(RangeError)
    expect(() => createUpdateBatcher({ ...base, size: 2.5 })).toThrow(RangeError)
    expect(() => createUpdateBatcher({ ...base, delay: -1 })).toThrow(RangeError)
    expect(() => createUpdateBatcher({ ...base, delay: Number.NaN })).toThrow(RangeError)
    expect(() => createUpdateBatcher({ ...base, mode: 'sometimes' as never })).toThrow(RangeError)
    expect(() => createUpdateBatcher({ ...base, onFlush: undefined as never })).toThrow(TypeError)
  })
})

describe('createUpdateBatcher: property', () => {
  type Command =
    | { kind: 'add'; collection: string; key: string; version: number; opId: string | undefined }
    | { kind: 'flush' }
    | { kind: 'advance'; ms: number }

  const command: fc.Arbitrary<Command> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        collection: fc.constantFrom('widgets', 'alerts'),
        key: fc.constantFrom('k1', 'k2', 'k3', 'k4'),
        version: fc.integer({ min: 1, max: 6 }),
        opId: fc.option(fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5'), { nil: undefined }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 120 }) }) },
  )

  /** What a batch must flush to: per key in first-seen order, the first update of highest version, all opIds. */
  function expected(batch: EntityUpdate[]): CoalescedUpdate[] {
    const groups = new Map<string, EntityUpdate[]>()
    for (const x of batch) {
      const id = JSON.stringify([x.collection, x.key])
      groups.set(id, [...(groups.get(id) ?? []), x])
    }
    return [...groups.values()].map((group) => {
      const max = Math.max(...group.map((x) => x.version))
      const winner = group.find((x) => x.version === max) as EntityUpdate
      const opIds = [...new Set(group.flatMap((x) => (x.opId === undefined ? [] : [x.opId])))]
      return opIds.length > 0 ? { ...winner, opIds } : winner
    })
  }

  it('each flush holds, per key, the max-version update added since the last flush; nothing is lost', () => {
    fc.assert(
      fc.property(
        fc.array(command, { maxLength: 80 }),
        fc.constantFrom<number>(1, 2, 3, 5, 8, Infinity),
        fc.constantFrom<'auto' | 'window' | 'raf'>('auto', 'window', 'raf'),
        (commands, size, mode) => {
          const clock = fakeTimers()
          let sinceFlush: EntityUpdate[] = []
          let added = 0
          let receivedTotal = 0
          const batcher = createUpdateBatcher({
            mode,
            size,
            delay: 50,
            deduplicate: true,
            timers: clock.timers,
            onFlush: (updates, stats) => {
              const want = expected(sinceFlush)
              expect(updates).toEqual(want)
              // The very winner object (first of the highest version), not a look-alike.
              updates.forEach((x, i) => expect(x.value).toBe(want[i]?.value))
              expect(stats).toEqual({ received: sinceFlush.length, coalesced: sinceFlush.length - want.length })
              // Only 'window' has a size trigger ('auto' and 'raf' flush on time alone).
              if (mode === 'window') expect(stats.received).toBeLessThanOrEqual(size)
              receivedTotal += stats.received
              sinceFlush = []
            },
          })
          for (const c of commands) {
            if (c.kind === 'add') {
              const update: EntityUpdate = { collection: c.collection, key: c.key, version: c.version, value: { n: added } }
              if (c.opId !== undefined) update.opId = c.opId
              added++
              sinceFlush.push(update)
              batcher.add(update)
            } else if (c.kind === 'flush') {
              batcher.flush()
            } else {
              clock.advance(c.ms)
            }
          }
          batcher.flush()
          expect(sinceFlush).toEqual([])
          expect(receivedTotal).toBe(added)
          expect(clock.count()).toBe(0)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('without de-duplication, the flushes concatenate to exactly the adds, in order', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 80 }), fc.constantFrom<number>(1, 4, Infinity), fc.constantFrom<'auto' | 'window'>('auto', 'window'), (commands, size, mode) => {
        const clock = fakeTimers()
        const adds: EntityUpdate[] = []
        const out: CoalescedUpdate[] = []
        const batcher = createUpdateBatcher({
          mode,
          size,
          delay: 50,
          deduplicate: false,
          timers: clock.timers,
          onFlush: (updates) => out.push(...updates),
        })
        for (const c of commands) {
          if (c.kind === 'add') {
            const update: EntityUpdate = { collection: c.collection, key: c.key, version: c.version, value: adds.length }
            adds.push(update)
            batcher.add(update)
          } else if (c.kind === 'flush') batcher.flush()
          else clock.advance(c.ms)
        }
        batcher.flush()
        expect(out).toEqual(adds)
      }),
      { numRuns: 200 },
    )
  })
})
