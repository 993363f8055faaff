/**
 * The cost of one op action against many pending ops. No server: a store
 * with the realtime reducer and middleware, features.ENABLE_WEBSOCKET off (no socket), 1,000
 * widgets loaded with one entitiesUpdated, then N ops (realtime.actions.updateWidget) spread
 * round-robin over the 1,000 keys. Each variant is one pending level in a process of its own;
 * a round times, one dispatch at a time, with the pending count held at N:
 *
 *   create    dispatch a mutation action (then the oldest op is settled, so N stays N)
 *   confirm   opAcked({ opId, collection, key, version, value, hasValue: true, at }) of the oldest op
 *   rollback  rollback(opId) of the oldest op (after a create)
 *
 * and reports the median per action; the table shows the median over rounds, in microseconds.
 * Setup runs WARM_UP_OPS untimed create/confirm/rollback cycles (JIT warm-up), so no warm-up rounds.
 * optimistic.MAX_PENDING is raised to 20,000 (default 100) so 10,000 ops can be pending.
 *   env: BENCH_OPS_PER_ROUND (200) confirms and rollbacks per round (creates: twice that)
 */
import { configureStore } from '@reduxjs/toolkit'
import { createRealtime, silentLogger } from '../../dist/index.js'
import { median } from '../lib/stats.mjs'
import { collectGarbage } from '../lib/rounds.mjs'

export const title = 'Pending ops'
export const usesServer = false
export const defaultRounds = { rounds: 3, warmup: 0 }

const LEVELS = [10, 100, 1_000, 10_000]
const KEYS = 1_000
const OPS_PER_ROUND = Number(process.env.BENCH_OPS_PER_ROUND || 200)
const TARGET_RATIO = 10
const TARGET_US = 300
const ACTIONS = ['create', 'confirm', 'rollback']
const WARM_UP_OPS = 50

export const variants = LEVELS.map((level) => ({ name: `pending-${level}`, label: level.toLocaleString('en-US'), level }))

const key = (k) => 'w-' + k

/** The store and the FIFO of pending ops; `level` ops pending on return. */
function setup(level) {
  const realtime = createRealtime({
    collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
    mutations: {
      updateWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (widget, { value }) => { widget.value = value } },
    },
    environmentListeners: false,
    logger: silentLogger,
    // Both caps are 100 by default; the levels go to 10,000 pending ops.
    config: { features: { ENABLE_WEBSOCKET: false }, optimistic: { MAX_PENDING: 20_000 }, backgroundSync: { MAX_OUTBOX_SIZE: 20_000 } },
  })
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (getDefault) => getDefault().concat(realtime.middleware),
  })
  const versions = new Array(KEYS).fill(1)
  const updates = versions.map((version, k) => ({ collection: 'widgets', key: key(k), version, value: { id: key(k), value: 0 } }))
  store.dispatch(realtime.actions.entitiesUpdated({ updates, at: Date.now() }))

  const queue = [] // pending ops, oldest first: { opId, k }
  let head = 0
  let nextKey = 0
  let value = 0
  const create = () => {
    const k = nextKey
    nextKey = (nextKey + 1) % KEYS
    const action = realtime.actions.updateWidget({ id: key(k), value: ++value })
    const t0 = performance.now()
    store.dispatch(action)
    const t1 = performance.now()
    queue.push({ opId: action.payload.opId, k })
    return (t1 - t0) * 1000
  }
  const oldest = () => {
    const op = queue[head++]
    if (head > 4096) {
      queue.splice(0, head)
      head = 0
    }
    return op
  }
  const confirm = () => {
    const { opId, k } = oldest()
    const version = ++versions[k]
    const action = realtime.actions.opAcked({ opId, collection: 'widgets', key: key(k), version, value: { id: key(k), value: -version }, hasValue: true, at: Date.now() })
    const t0 = performance.now()
    store.dispatch(action)
    return (performance.now() - t0) * 1000
  }
  const rollback = () => {
    const action = realtime.actions.rollback(oldest().opId)
    const t0 = performance.now()
    store.dispatch(action)
    return (performance.now() - t0) * 1000
  }
  const pending = () => realtime.selectors.selectPendingCount(store.getState())

  for (let i = 0; i < level; i++) create()
  if (pending() !== level) throw new Error(`expected ${level} pending ops, have ${pending()}`)
  return { create, confirm, rollback, pending }
}

export async function setupVariant(name) {
  const variant = variants.find((v) => v.name === name)
  if (!variant) throw new Error(`unknown variant ${name}`)
  const ops = setup(variant.level)
  const cycles = (n) => {
    const times = { create: [], confirm: [], rollback: [] }
    for (let i = 0; i < n; i++) {
      times.create.push(ops.create())
      times.confirm.push(ops.confirm())
    }
    for (let i = 0; i < n; i++) {
      times.create.push(ops.create())
      times.rollback.push(ops.rollback())
    }
    if (ops.pending() !== variant.level) throw new Error(`pending drifted to ${ops.pending()}`)
    return times
  }
  cycles(WARM_UP_OPS)
  return {
    run: async () => {
      collectGarbage()
      const times = cycles(OPS_PER_ROUND)
      const sample = Object.fromEntries(ACTIONS.map((a) => [a, median(times[a])]))
      sample.progress = ACTIONS.map((a) => `${a} ${sample[a].toFixed(1)}`).join('/') + ' us'
      return sample
    },
  }
}

export function report(samples, ctx) {
  const us = (level, action) => (samples[`pending-${level}`] ? median(samples[`pending-${level}`].map((s) => s[action])) : NaN)
  const fmt = (value) => (Number.isFinite(value) ? value.toFixed(1) : '-')
  const rows = LEVELS.map((level) => [level.toLocaleString('en-US'), ...ACTIONS.map((a) => fmt(us(level, a)))])
  const ratios = ACTIONS.map((a) => us(10_000, a) / us(10, a))
  rows.push(['10,000 vs 10', ...ratios.map((r) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '-'))])
  const evaluated = ratios.every(Number.isFinite)
  const ratioOk = ratios.every((r) => r <= TARGET_RATIO)
  const absOk = ACTIONS.every((a) => us(10_000, a) < TARGET_US)
  return {
    title: `${title}: us per dispatch over ${KEYS.toLocaleString('en-US')} keys, median of ${OPS_PER_ROUND.toLocaleString('en-US')} per action per round, median of ${ctx.rounds} rounds (after ${ctx.warmup} warm-up)`,
    columns: [{ header: 'pending ops' }, ...ACTIONS.map((a) => ({ header: `${a} us`, align: 'right' }))],
    rows,
    notes: [
      'Store: realtime reducer + middleware, no socket (features.ENABLE_WEBSOCKET false), optimistic.MAX_PENDING 20,000.',
      'Each create is followed by a confirm or a rollback of the oldest op, so the pending count stays at the level.',
      evaluated
        ? `10,000 vs 10 pending (target <= ${TARGET_RATIO}x): ${ratioOk ? 'MET' : 'NOT MET'}; ` +
          `at 10,000 pending under ${TARGET_US} us each: ${absOk ? 'MET' : 'NOT MET'}`
        : 'targets not evaluated (BENCH_ONLY left out pending-10 or pending-10000)',
    ],
    ok: evaluated ? ratioOk && absOk : undefined,
  }
}
