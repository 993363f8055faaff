/**
 * The floor of the fan-out bench: a bare `ws` server that does what the reference server does on
 * the wire for a widget op and nothing else (no validation, limits, de-duplication, logs or
 * per-client queues): it ACKs the op with the widget's next version, and the broadcasts of one
 * macrotask go to every client as one BATCH text built once (at most 500 per BATCH, like the
 * reference server's default).
 *   node --expose-gc bench/lib/rawRelay.mjs    (started by lib/fanoutServers.mjs)
 */
import { WebSocket, WebSocketServer } from 'ws'
import { serveUsage } from './instanceIpc.mjs'

const MAX_FRAMES = 500
const versions = new Map()
let seq = 0
let queued = []
let scheduled = false

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', perMessageDeflate: false })

function flush() {
  scheduled = false
  const frames = queued
  queued = []
  for (let from = 0; from < frames.length; from += MAX_FRAMES) {
    const part = frames.slice(from, from + MAX_FRAMES)
    const text = part.length === 1 ? part[0] : `{"type":"BATCH","data":[${part.join(',')}]}`
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(text)
  }
}

wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const op = JSON.parse(data)
    if (typeof op.id !== 'string' || typeof op.data?.id !== 'string') return
    const version = (versions.get(op.data.id) ?? 1) + 1
    versions.set(op.data.id, version)
    const entity = { id: op.data.id, value: op.data.value }
    ws.send(JSON.stringify({ type: 'ACK', replyTo: op.id, data: { key: op.data.id, version, value: entity }, attempt: op.attempt }))
    queued.push(JSON.stringify({ type: 'WIDGET_UPDATE', data: { ...entity, version, opId: op.id }, seq: ++seq, ts: Date.now() }))
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  })
})
wss.once('listening', () => serveUsage(`ws://127.0.0.1:${wss.address().port}/ws`))
