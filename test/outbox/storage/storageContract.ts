import { describe, expect, it } from 'vitest'
import type { OutboxStorage, StoredEntry } from '../../../src/outbox/storage/OutboxStorage'

/**
 * Fresh, empty backing storage for one test, and a way to open adapters on it: every call of the
 * returned function is another page (or the same page after a reload) on the same data.
 */
export type StorageBacking = () => () => OutboxStorage

const byKey = (a: StoredEntry, b: StoredEntry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

/** `getAll`, sorted: adapters may answer in any order. */
async function entries(storage: OutboxStorage, namespace: string): Promise<StoredEntry[]> {
  return [...(await storage.getAll(namespace))].sort(byKey)
}

/** Pairs that a naive `namespace + separator + key` would store under the same name. */
const LOOKALIKES: Array<[string, string]> = [
  ['a', 'b|c'],
  ['a|b', 'c'],
  ['a', 'b\u0000c'],
  ['a\u0000b', 'c'],
  ['a', 'b:c'],
  ['a:b', 'c'],
  ['a%7Cb', 'c'],
  ['a%', 'x'],
  ['a%25', 'x'],
  ['', 'a'],
  ['a', ''],
]

/** The behaviour every {@link OutboxStorage} adapter must have, run against `backing`. */
export function describeStorageContract(adapterName: string, backing: StorageBacking): void {
  describe(`${adapterName} adapter: the OutboxStorage contract`, () => {
    it(`is named '${adapterName}'`, () => {
      expect(backing()().name).toBe(adapterName)
    })

    it('starts empty', async () => {
      expect(await entries(backing()(), 'rtk-realtime:alice')).toEqual([])
    })

    it('round-trips set, getAll, delete and clear', async () => {
      const storage = backing()()
      const ns = 'rtk-realtime:alice'
      await storage.set(ns, 'op-1', '{"n":1}')
      await storage.set(ns, 'op-2', '{"n":2}')
      await storage.set(ns, 'op-3', '{"n":3}')
      expect(await entries(storage, ns)).toEqual([
        { key: 'op-1', value: '{"n":1}' },
        { key: 'op-2', value: '{"n":2}' },
        { key: 'op-3', value: '{"n":3}' },
      ])
      await storage.delete(ns, 'op-2')
      expect(await entries(storage, ns)).toEqual([
        { key: 'op-1', value: '{"n":1}' },
        { key: 'op-3', value: '{"n":3}' },
      ])
      await storage.clear(ns)
      expect(await entries(storage, ns)).toEqual([])
      await storage.set(ns, 'op-4', 'after clear')
      expect(await entries(storage, ns)).toEqual([{ key: 'op-4', value: 'after clear' }])
    })

    it('replaces an entry written again under the same key', async () => {
      const storage = backing()()
      await storage.set('ns', 'op-1', 'first')
      await storage.set('ns', 'op-1', 'second')
      expect(await entries(storage, 'ns')).toEqual([{ key: 'op-1', value: 'second' }])
    })

    it('deletes a missing key, and clears an unknown namespace, without error', async () => {
      const storage = backing()()
      await storage.set('ns', 'kept', 'v')
      await expect(Promise.resolve(storage.delete('ns', 'missing'))).resolves.toBeUndefined()
      await expect(Promise.resolve(storage.delete('never-used', 'missing'))).resolves.toBeUndefined()
      await expect(Promise.resolve(storage.clear('never-used'))).resolves.toBeUndefined()
      expect(await entries(storage, 'ns')).toEqual([{ key: 'kept', value: 'v' }])
    })

    it('keeps a namespace apart from one it is a prefix of', async () => {
      const storage = backing()()
      const user = 'rtk-realtime:alice'
      const setAside = 'rtk-realtime:alice:set-aside'
      await storage.set(user, 'op-1', 'live')
      await storage.set(setAside, 'op-1', 'unreadable')
      await storage.set('rtk-realtime:al', 'op-1', 'other user')
      expect(await entries(storage, user)).toEqual([{ key: 'op-1', value: 'live' }])
      expect(await entries(storage, setAside)).toEqual([{ key: 'op-1', value: 'unreadable' }])
      await storage.clear(user)
      expect(await entries(storage, user)).toEqual([])
      expect(await entries(storage, setAside)).toEqual([{ key: 'op-1', value: 'unreadable' }])
      expect(await entries(storage, 'rtk-realtime:al')).toEqual([{ key: 'op-1', value: 'other user' }])
    })

    it('never confuses namespace and key, whatever separator-like characters they hold', async () => {
      const storage = backing()()
      for (const [ns, key] of LOOKALIKES) await storage.set(ns, key, `${JSON.stringify(ns)}/${JSON.stringify(key)}`)
      for (const [ns] of LOOKALIKES) {
        const expected = LOOKALIKES.filter(([other]) => other === ns)
          .map(([, key]) => ({ key, value: `${JSON.stringify(ns)}/${JSON.stringify(key)}` }))
          .sort(byKey)
        expect(await entries(storage, ns), `namespace ${JSON.stringify(ns)}`).toEqual(expected)
      }
      await storage.clear('a')
      await storage.delete('a|b', 'c')
      expect(await entries(storage, 'a')).toEqual([])
      expect(await entries(storage, 'a|b')).toEqual([])
      expect(await entries(storage, 'a\u0000b')).toEqual([{ key: 'c', value: '"a\\u0000b"/"c"' }])
      expect(await entries(storage, '')).toEqual([{ key: 'a', value: '""/"a"' }])
    })

    it('takes __proto__, constructor, the empty string and \\uffff as keys and namespaces', async () => {
      const storage = backing()()
      for (const ns of ['__proto__', 'constructor', '', '\uffff']) {
        for (const key of ['__proto__', 'constructor', 'toString', '', '\uffff\uffff']) await storage.set(ns, key, `${ns}/${key}`)
      }
      expect(await entries(storage, '__proto__')).toEqual([
        { key: '', value: '__proto__/' },
        { key: '__proto__', value: '__proto__/__proto__' },
        { key: 'constructor', value: '__proto__/constructor' },
        { key: 'toString', value: '__proto__/toString' },
        { key: '\uffff\uffff', value: '__proto__/\uffff\uffff' },
      ])
      await storage.delete('', '')
      await storage.delete('constructor', '__proto__')
      await storage.clear('\uffff')
      expect((await entries(storage, '')).map((entry) => entry.key)).toEqual(['__proto__', 'constructor', 'toString', '\uffff\uffff'])
      expect((await entries(storage, 'constructor')).map((entry) => entry.key)).toEqual(['', 'constructor', 'toString', '\uffff\uffff'])
      expect(await entries(storage, '\uffff')).toEqual([])
      expect(Object.prototype).not.toHaveProperty('toString', '__proto__/toString')
    })

    it('returns values exactly as written: empty, unicode, control characters, 100 KB', async () => {
      const storage = backing()()
      const values = {
        empty: '',
        unicode: 'naïve café — 日本語 — 👩‍👩‍👧 — \u{1F600} — e\u0301',
        control: 'nul\u0000 tab\t newline\n cr\r bidi\u202e end',
        json: JSON.stringify({ opId: 'op-1', args: { title: '"quoted" \\ backslash' }, n: -0.1 }),
        big: 'x'.repeat(50_000) + '€'.repeat(50_000),
      }
      for (const [key, value] of Object.entries(values)) await storage.set('ns', key, value)
      const read = Object.fromEntries((await entries(storage, 'ns')).map(({ key, value }) => [key, value]))
      expect(read).toEqual(values)
      expect(read.big).toHaveLength(100_000)
    })

    it('holds 1,000 entries in one namespace', async () => {
      const storage = backing()()
      const keys = Array.from({ length: 1000 }, (_, i) => `op-${String(i).padStart(4, '0')}`)
      for (const key of keys) await storage.set('ns', key, `value of ${key}`)
      await storage.set('other', 'op-0000', 'elsewhere')
      const all = await entries(storage, 'ns')
      expect(all).toHaveLength(1000)
      expect(all.map((entry) => entry.key)).toEqual(keys)
      expect(all.every(({ key, value }) => value === `value of ${key}`)).toBe(true)
      await storage.clear('ns')
      expect(await entries(storage, 'ns')).toEqual([])
      expect(await entries(storage, 'other')).toEqual([{ key: 'op-0000', value: 'elsewhere' }])
    })

    it('does not let a caller change stored entries through what getAll returned', async () => {
      const storage = backing()()
      await storage.set('ns', 'op-1', 'original')
      const [entry] = await storage.getAll('ns')
      entry!.value = 'changed'
      entry!.key = 'renamed'
      expect(await entries(storage, 'ns')).toEqual([{ key: 'op-1', value: 'original' }])
    })

    it('shows what one adapter wrote to another on the same storage (a reload, a second tab)', async () => {
      const open = backing()
      const before = open()
      await before.set('ns', 'op-1', 'pending')
      await before.set('ns', 'op-2', 'pending too')
      const after = open()
      expect(await entries(after, 'ns')).toEqual([
        { key: 'op-1', value: 'pending' },
        { key: 'op-2', value: 'pending too' },
      ])
      await after.delete('ns', 'op-1')
      expect(await entries(before, 'ns')).toEqual([{ key: 'op-2', value: 'pending too' }])
    })
  })
}
