import { describe, expect, it } from 'vitest'
import { OpRejection } from '../../examples/server/ops'
import type { WidgetEntity } from '../../examples/server/types'
import { checkWidgetCaps } from '../../examples/server/widgetCaps'
import { WidgetStore } from '../../examples/server/widgets'

/** The byte total counted the slow way: every live widget encoded again. */
const recount = (store: WidgetStore): number => store.all().reduce((sum, record) => sum + Buffer.byteLength(JSON.stringify(record.entity)), 0)

/** A deterministic pseudo-random sequence (no Math.random in tests). */
function lcg(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

describe('WidgetStore.bytes: the running JSON byte total', () => {
  it('stays exact across patch, put, remove and seed (multi-byte text, growing and shrinking widgets, tombstones, repeated ids)', () => {
    const store = new WidgetStore([{ id: 'a', title: 'CPU ü' }, { id: 'b', value: 1 }, { id: 'a', title: 'again' }])
    expect(store.bytes).toBe(recount(store))
    const random = lcg(42)
    const ids = ['a', 'b', 'c', 'd', 'é']
    for (let step = 0; step < 500; step++) {
      const id = ids[Math.floor(random() * ids.length)]!
      const roll = random()
      if (roll < 0.45) store.patch(id, { value: Math.floor(random() * 1e6), note: 'ø'.repeat(Math.floor(random() * 20)) })
      else if (roll < 0.6) store.put(id, store.patched(id, { id: 'ignored', version: 99, text: '€'.repeat(Math.floor(random() * 5)) }))
      else if (roll < 0.9) store.remove(id)
      else store.seed(ids.filter(() => random() < 0.5).map((seedId) => ({ id: seedId, seeded: step })))
      expect(store.bytes, `step ${step}`).toBe(recount(store))
    }
    store.seed([])
    expect(store.bytes).toBe(0)
  })

  it('does not change on a remove of a missing widget nor on a refused seed', () => {
    const store = new WidgetStore([{ id: 'a', value: 1 }])
    const before = store.bytes
    expect(store.remove('nope')).toBeUndefined()
    expect(() => store.seed([{ id: 'b' }, { value: 2 } as never])).toThrow(/seedWidgets .*every seeded widget needs an id/)
    expect(store.bytes).toBe(before)
    expect(store.bytes).toBe(recount(store))
  })

  it('checkWidgetCaps refuses limits.maxStateBytes at exactly the total the slow count gives', () => {
    const store = new WidgetStore([{ id: 'a', title: 'ü'.repeat(10) }, { id: 'b', value: 1 }])
    store.patch('a', { title: 'x' })
    store.remove('b')
    store.patch('c', { value: 'ß' })
    const next: WidgetEntity = store.patched('a', { title: 'ü'.repeat(30) })
    const others = store.all().filter((record) => record.entity.id !== 'a')
    const exact = others.reduce((sum, record) => sum + Buffer.byteLength(JSON.stringify(record.entity)), 0) + Buffer.byteLength(JSON.stringify(next))
    const caps = (maxStateBytes: number) => ({ maxWidgetBytes: Infinity, maxWidgets: Infinity, maxStateBytes })
    expect(() => checkWidgetCaps(store, 'a', next, caps(exact))).not.toThrow()
    const refused = (() => {
      try {
        checkWidgetCaps(store, 'a', next, caps(exact - 1))
      } catch (error) {
        return error
      }
      return undefined
    })()
    expect(refused).toBeInstanceOf(OpRejection)
    expect((refused as OpRejection).message).toBe(`the widgets would take ${exact} bytes, over the limit of ${exact - 1} (limits.maxStateBytes)`)
  })
})
