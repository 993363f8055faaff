/**
 * Persisted outbox: "Enqueue cost with 1, 100 and 1,000 ops already queued, memory adapter
 * and the IndexedDB adapter: flat, not growing with the queue, printed beside a whole-queue-rewrite
 * baseline measured in the same run." No server. Variants, each in a process of its own:
 *
 *   none-<n>              the package without storage: the dispatch alone (what every row pays)
 *   <adapter>-pkg-<n>     the package's persisted outbox on <adapter> (`createRealtime({ storage,
 *                         outbox: { namespace } })`): one record put per op, issued in the dispatch
 *   <adapter>-rewrite-<n> the baseline (what redux-offline / redux-persist do): the package without
 *                         storage, and after each dispatch JSON.stringify of every queued op
 *                         (`selectPendingOps`) written as one entry to the same adapter
 *
 * <adapter> is `mem` (memoryStorage()) or `idb` (indexedDbStorage on fake-indexeddb, see
 * lib/outbox.mjs). 1,000 widgets are loaded first; `n` ops (updateWidget) are queued round-robin
 * over them after `pause()` (and with no socket: features.ENABLE_WEBSOCKET false), so they stay
 * queued. optimistic.MAX_PENDING and backgroundSync.MAX_OUTBOX_SIZE are raised to 20,000.
 * `key1-*` variants (second table, memory only) put every op on one widget: one lane of n ops.
 *
 * A round times BENCH_ENQUEUE_OPS enqueues one at a time, with `n` ops queued before each: the
 * oldest op is discarded after each timed enqueue (untimed; the baseline rewrites the queue for it
 * too), so the level holds. Per enqueue it records:
 *   issued     from just before `dispatch(updateWidget)` until the dispatch returned (package: its
 *              write was handed to the adapter inside the dispatch) or, for the baseline, until the
 *              stringify + `adapter.set` call returned. Synchronous adapters have written by then.
 *   committed  (IndexedDB only) until the promise the adapter's `set` returned has resolved (idb
 *              resolves it once the transaction completed), found through a recording wrapper
 *              around the adapter. Every write is awaited before the next enqueue.
 * and the bytes handed to the adapter. A sample is the median per enqueue of the round.
 *   env: BENCH_ENQUEUE_OPS (200) timed enqueues per round, BENCH_ENQUEUE_ONE_KEY_OPS (50) for key1-*
 */
import { median } from '../lib/stats.mjs'
import { collectGarbage } from '../lib/rounds.mjs'
import { createAdapter, createPackageStore, STORAGE_NAMESPACE, trackedStorage, whenState } from '../lib/outbox.mjs'

export const title = 'Outbox enqueue'
export const usesServer = false
export const defaultRounds = { rounds: 5, warmup: 1 }

const LEVELS = [1, 100, 1_000]
const KEYS = 1_000
const OPS_PER_ROUND = Number(process.env.BENCH_ENQUEUE_OPS || 200)
const ONE_KEY_OPS_PER_ROUND = Number(process.env.BENCH_ENQUEUE_ONE_KEY_OPS || 50)
const WARM_UP_OPS = 50
const ADAPTERS = [
  { id: 'mem', kind: 'memory', label: 'memory' },
  { id: 'idb', kind: 'indexeddb', label: 'IndexedDB (fake-indexeddb)' },
]

export const variants = [
  ...LEVELS.flatMap((level) => [
    { name: `none-${level}`, level, mode: 'none', keys: KEYS },
    ...ADAPTERS.flatMap((a) => [
      { name: `${a.id}-pkg-${level}`, level, mode: 'pkg', adapter: a, keys: KEYS },
      { name: `${a.id}-rewrite-${level}`, level, mode: 'rewrite', adapter: a, keys: KEYS },
    ]),
  ]),
  // The same on one key (every op in one lane), memory adapter only: fewer enqueues per round, they are slow.
  ...LEVELS.flatMap((level) => [
    { name: `key1-none-${level}`, level, mode: 'none', keys: 1 },
    { name: `key1-mem-pkg-${level}`, level, mode: 'pkg', adapter: ADAPTERS[0], keys: 1 },
    { name: `key1-mem-rewrite-${level}`, level, mode: 'rewrite', adapter: ADAPTERS[0], keys: 1 },
  ]),
].map((v) => ({ ...v, label: v.name }))

const key = (k) => 'w-' + k
const REWRITE_KEY = 'outbox'

async function setup(variant) {
  const { level, mode } = variant
  const tracked = mode === 'none' ? null : trackedStorage(createAdapter(variant.adapter.kind))
  const { realtime, store, pending, outboxStatus } = createPackageStore({
    storage: mode === 'pkg' ? tracked.storage : undefined,
    config: { features: { ENABLE_WEBSOCKET: false } },
  })
  if (mode === 'pkg') await whenState(store, () => outboxStatus() === 'ready', 10_000, 'the outbox to be read back')
  store.dispatch(realtime.actions.pause())
  const updates = Array.from({ length: KEYS }, (_, k) => ({ collection: 'widgets', key: key(k), version: 1, value: { id: key(k), title: `Widget ${k}`, value: 0 } }))
  store.dispatch(realtime.actions.entitiesUpdated({ updates, at: Date.now() }))

  const fifo = [] // queued opIds, oldest first
  let head = 0
  let nextKey = 0
  let value = 0
  // The baseline's persistence: the whole queue as one entry.
  const rewrite = () => tracked.storage.set(STORAGE_NAMESPACE, REWRITE_KEY, JSON.stringify(realtime.selectors.selectPendingOps(store.getState())))

  /** One enqueue: `{ issued, committed, bytes, writes }` (times in us). */
  async function enqueue() {
    const action = realtime.actions.updateWidget({ id: key(nextKey), value: ++value })
    nextKey = (nextKey + 1) % variant.keys
    tracked?.take()
    const t0 = performance.now()
    store.dispatch(action)
    if (mode === 'rewrite') rewrite()
    const t1 = performance.now()
    const calls = tracked ? tracked.take() : []
    await Promise.all(calls.map((c) => c.result))
    const t2 = performance.now()
    fifo.push(action.payload.opId)
    return { issued: (t1 - t0) * 1000, committed: (t2 - t0) * 1000, bytes: calls.reduce((sum, c) => sum + c.bytes, 0), writes: calls.length }
  }

  /** Discards the oldest op (untimed) and waits until storage has caught up. */
  async function dropOldest() {
    store.dispatch(realtime.actions.discard(fifo[head++]))
    if (head > 4096) {
      fifo.splice(0, head)
      head = 0
    }
    if (mode === 'rewrite') rewrite()
    await tracked?.idle()
    tracked?.take()
  }

  for (let i = 0; i < level; i++) await enqueue()
  await tracked?.idle()
  if (pending() !== level) throw new Error(`expected ${level} queued ops, have ${pending()}`)
  return { enqueue, dropOldest, pending, tracked }
}

/** Checks that storage holds what the queue holds: one record per op, or one entry of every op. */
async function checkStorage(variant, ops) {
  if (variant.mode === 'none') return
  const entries = await ops.tracked.storage.getAll(STORAGE_NAMESPACE)
  const stored = variant.mode === 'pkg' ? entries.length : JSON.parse(entries.find((e) => e.key === REWRITE_KEY).value).length
  if (stored !== variant.level) throw new Error(`${variant.name}: storage holds ${stored} ops, the queue ${variant.level}`)
}

export async function setupVariant(name) {
  const variant = variants.find((v) => v.name === name)
  if (!variant) throw new Error(`unknown variant ${name}`)
  const ops = await setup(variant)
  const cycles = async (n) => {
    const samples = []
    for (let i = 0; i < n; i++) {
      samples.push(await ops.enqueue())
      await ops.dropOldest()
    }
    if (ops.pending() !== variant.level) throw new Error(`queue drifted to ${ops.pending()}`)
    await checkStorage(variant, ops)
    return samples
  }
  await cycles(WARM_UP_OPS)
  return {
    run: async () => {
      collectGarbage()
      const samples = await cycles(variant.keys === 1 ? ONE_KEY_OPS_PER_ROUND : OPS_PER_ROUND)
      const writes = new Set(samples.map((s) => s.writes))
      if (variant.mode !== 'none' && (writes.size !== 1 || !writes.has(1))) {
        throw new Error(`${name}: expected one write per enqueue, saw ${[...writes].join(', ')}`)
      }
      const sample = {
        issued: median(samples.map((s) => s.issued)),
        committed: median(samples.map((s) => s.committed)),
        bytes: median(samples.map((s) => s.bytes)),
      }
      sample.progress = `${sample.issued.toFixed(1)}` + (variant.adapter?.kind === 'indexeddb' ? `/${sample.committed.toFixed(1)}` : '') + ' us'
      return sample
    },
  }
}

/** One table: `prefix` '' (ops over 1,000 keys) or 'key1-' (every op on one key). */
function enqueueTable(samples, ctx, { prefix, adapters, title: heading, opsPerRound, notes }) {
  const get = (name, field) => (samples[prefix + name] ? median(samples[prefix + name].map((s) => s[field])) : NaN)
  const us = (value) => (Number.isFinite(value) ? value.toFixed(1) : '-')
  const x = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '-')
  const bytes = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-')
  const rows = []
  for (const level of LEVELS) rows.push(['none (no storage)', level.toLocaleString('en-US'), us(get(`none-${level}`, 'issued')), '', '', '', '', '', ''])
  rows.push(['none (no storage)', '1,000 vs 1', x(get('none-1000', 'issued') / get('none-1', 'issued')), '', '', '', '', '', ''])
  for (const a of adapters) {
    const async = a.kind === 'indexeddb'
    const cell = (mode, level, field) => get(`${a.id}-${mode}-${level}`, field)
    for (const level of LEVELS) {
      const committed = (mode) => (async ? us(cell(mode, level, 'committed')) : '(sync)')
      rows.push([
        a.label, level.toLocaleString('en-US'),
        us(cell('pkg', level, 'issued')), committed('pkg'),
        us(cell('rewrite', level, 'issued')), committed('rewrite'),
        x(cell('pkg', level, 'issued') / cell('rewrite', level, 'issued')),
        async ? x(cell('pkg', level, 'committed') / cell('rewrite', level, 'committed')) : '',
        `${bytes(cell('pkg', level, 'bytes'))} / ${bytes(cell('rewrite', level, 'bytes'))}`,
      ])
    }
    const grow = (mode, field) => x(cell(mode, 1000, field) / cell(mode, 1, field))
    rows.push([
      a.label, '1,000 vs 1',
      grow('pkg', 'issued'), async ? grow('pkg', 'committed') : '',
      grow('rewrite', 'issued'), async ? grow('rewrite', 'committed') : '',
      '', '', '',
    ])
  }
  return {
    title: `${heading}: us per enqueue with n ops already queued, median of ${opsPerRound.toLocaleString('en-US')} enqueues per round, median of ${ctx.rounds} rounds (after ${ctx.warmup} warm-up)`,
    columns: [
      { header: 'adapter' }, { header: 'ops queued', align: 'right' },
      { header: 'package issued us', align: 'right' }, { header: 'package committed us', align: 'right' },
      { header: 'rewrite issued us', align: 'right' }, { header: 'rewrite committed us', align: 'right' },
      { header: 'package / rewrite (issued)', align: 'right' }, { header: 'package / rewrite (committed)', align: 'right' },
      { header: 'bytes per write: package / rewrite', align: 'right' },
    ],
    rows,
    notes,
  }
}

export function report(samples, ctx) {
  const spread = enqueueTable(samples, ctx, {
    prefix: '',
    adapters: ADAPTERS,
    title: `${title}, ops over ${KEYS.toLocaleString('en-US')} keys`,
    opsPerRound: OPS_PER_ROUND,
    notes: [
      'package: createRealtime({ storage: adapter, outbox: { namespace } }), one record put per op inside the dispatch.',
      'rewrite (baseline, redux-offline / redux-persist style): the package without storage, then after each dispatch',
      '  JSON.stringify(selectPendingOps(state)) (every queued op) written as one entry to the same adapter.',
      'none: the package without storage, the dispatch alone (included in every other figure).',
      'issued: dispatch (+ stringify + adapter.set call for the baseline) until it returned; the memory adapter has written by then.',
      'committed (IndexedDB): until the promise adapter.set returned resolved (idb: transaction complete). fake-indexeddb is an',
      '  in-memory implementation in Node: its commit is JavaScript scheduling, not a disk flush; a browser adds real I/O.',
      `Ops stay queued (pause(), no socket); ${KEYS.toLocaleString('en-US')} widgets loaded, ops round-robin over them; the oldest op is discarded`,
      '  (untimed, storage caught up) after each enqueue so the level holds. MAX_PENDING and MAX_OUTBOX_SIZE raised to 20,000.',
      '1,000 vs 1: the figure at 1,000 queued divided by the figure at 1 queued (flat = about 1x).',
      'Every level has queued ops on all 1,000 keys over its life (warm-up and rounds rotate over them), so its lanes map',
      '  holds the same ~470 of 512 buckets at 1 queued as at 1,000 (emptied buckets stay).',
    ],
  })
  const oneKey = enqueueTable(samples, ctx, {
    prefix: 'key1-',
    adapters: [ADAPTERS[0]],
    title: `${title}, every op on one key (memory adapter)`,
    opsPerRound: ONE_KEY_OPS_PER_ROUND,
    notes: [
      'As above, but every op is on widget w-0: the queue is one lane of n ops (an offline session editing one widget,',
      '  without `compact`). env BENCH_ENQUEUE_ONE_KEY_OPS sets the enqueues per round.',
    ],
  })
  return [spread, oneKey]
}
