/**
 * In-process CPU cost of the package's default inbound path, without a server: WIDGET_UPDATE
 * frames as strings through a fake socket's onmessage -> codec -> handleFrame -> batcher ->
 * entitiesUpdated reducer -> 100 store subscribers. Compared with JSON.parse of the same frames
 * (what a client that only receives and parses pays on top of the socket).
 *
 *   npm run build && NODE_ENV=production node --expose-gc bench/lib/inProcessCpu.mjs [count] [rounds]
 *
 * Prints CPU µs per update (process.cpuUsage, steadier than wall time on a loaded machine): the
 * package, JSON.parse alone and the default codec alone, rounds interleaved. Env: SKIP_PARSE=1 for
 * the package row only; BENCH_DIST=<dir> to measure another build (a copy of dist/ kept for A/B
 * runs, placed where it resolves this repository's node_modules).
 */
import { pathToFileURL } from 'node:url'
import { configureStore } from '@reduxjs/toolkit'
import { addSubscribers, widgetKey } from './entityClients.mjs'
import { blastFrameText } from './protocol.mjs'
import { cpuMicros, median } from './stats.mjs'

const { createJsonCodec, createRealtime, silentLogger } = await import(process.env.BENCH_DIST ? pathToFileURL(`${process.env.BENCH_DIST}/index.js`).href : '../../dist/index.js')

const KEYS = 1000
const SUBSCRIBERS = 100
const count = Number(process.argv[2] ?? 200_000)
const rounds = Number(process.argv[3] ?? 7)

class InstantSocket {
  static CONNECTING = 0
  static OPEN = 1
  static CLOSING = 2
  static CLOSED = 3
  static last = null
  readyState = 0
  onopen = null
  onmessage = null
  onclose = null
  onerror = null
  constructor(url) {
    this.url = url
    InstantSocket.last = this
    queueMicrotask(() => {
      this.readyState = 1
      this.onopen?.({ type: 'open' })
    })
  }
  send() {}
  close() {
    this.readyState = 3
  }
}

function createStore() {
  const realtime = createRealtime({
    url: 'ws://in-process',
    WebSocket: InstantSocket,
    collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
    environmentListeners: false,
    logger: silentLogger,
    config: { websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0 } },
  })
  let applied = 0
  const store = configureStore({
    reducer: { [realtime.reducerPath]: realtime.reducer },
    middleware: (getDefault) =>
      getDefault().concat(realtime.middleware, () => (next) => (action) => {
        const r = next(action)
        if (action.type === realtime.actions.entitiesUpdated.type) applied += action.payload.received ?? action.payload.updates.length
        return r
      }),
  })
  const seed = Array.from({ length: KEYS }, (_, k) => ({ collection: 'widgets', key: widgetKey(k), version: 0.5, value: { id: widgetKey(k), value: -1 } }))
  store.dispatch(realtime.actions.entitiesUpdated({ updates: seed, at: Date.now() }))
  applied = 0 // the seed is no update of the round
  addSubscribers(store, { n: SUBSCRIBERS, keys: KEYS, read: (state, key) => realtime.selectors.selectEntity(state, 'widgets', key) })
  return { realtime, store, applied: () => applied }
}

const frames = Array.from({ length: count }, (_, i) => blastFrameText(i, { keys: KEYS, ts: 1 }))


async function packageRound() {
  const { realtime, store, applied } = createStore()
  while (InstantSocket.last?.readyState !== 1) await new Promise((r) => setTimeout(r, 1))
  const socket = InstantSocket.last
  globalThis.gc?.()
  const before = cpuMicros()
  // Chunks with a macrotask between them, as socket frames arrive: timers (the batcher's window) can run.
  const CHUNK = 1000
  for (let i = 0; i < count; i += CHUNK) {
    const end = Math.min(count, i + CHUNK)
    for (let j = i; j < end; j++) socket.onmessage({ data: frames[j] })
    await new Promise((r) => setImmediate(r))
  }
  while (applied() < count) await new Promise((r) => setTimeout(r, 1))
  const used = cpuMicros() - before
  const last = realtime.selectors.selectEntity(store.getState(), 'widgets', widgetKey((count - 1) % KEYS))
  if (last?.value !== count - 1) throw new Error(`final value ${JSON.stringify(last)}`)
  store.dispatch(realtime.actions.disconnect())
  return used / count
}

async function parseRound() {
  globalThis.gc?.()
  const before = cpuMicros()
  let sink = 0
  for (let i = 0; i < count; i++) sink += JSON.parse(frames[i]).seq
  const used = cpuMicros() - before
  if (sink === 0) throw new Error()
  return used / count
}

async function decodeRound() {
  const codec = createJsonCodec()
  globalThis.gc?.()
  const before = cpuMicros()
  let sink = 0
  for (let i = 0; i < count; i++) sink += codec.decode(frames[i]).message.seq
  const used = cpuMicros() - before
  if (sink === 0) throw new Error()
  return used / count
}

const pkg = []
const parse = []
const decode = []
for (let r = 0; r < rounds; r++) {
  pkg.push(await packageRound())
  if (!process.env.SKIP_PARSE) parse.push(await parseRound())
  if (!process.env.SKIP_PARSE) decode.push(await decodeRound())
}
const fmt = (xs) => xs.map((x) => x.toFixed(2)).join(' ')
console.log(`package  ${median(pkg).toFixed(3)} µs/update  min ${Math.min(...pkg).toFixed(3)}  [${fmt(pkg)}]`)
if (parse.length > 0) {
  console.log(`parse    ${median(parse).toFixed(3)} µs/update  [${fmt(parse)}]`)
  console.log(`decode   ${median(decode).toFixed(3)} µs/update  [${fmt(decode)}]`)
  console.log(`overhead ${(median(pkg) - median(parse)).toFixed(3)} µs/update`)
}
process.exit(0)
