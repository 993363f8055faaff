/**
 * `CONTROL` messages (only with `allowControl: true`): drive a server running in another process,
 * e.g. from a benchmark.
 *
 * `{ type: 'CONTROL', id, data: { op, ... } }`, replies `{ type: 'CONTROL', replyTo: id, data }`:
 * - `blast { count, keys?, messageType? }`: broadcasts `count` messages
 *   `{ type: messageType ?? 'WIDGET_UPDATE', data: { id: 'w-' + (i % keys), value: i, version: i + 1 } }`
 *   (keys defaults to 100); replies `{ done: true, count }` after all were handed to the sockets.
 * - `faults { faults }`: sets fault knobs; replies `{ done: true, faults }` (the knobs now in force).
 * - `broadcast { messageType, payload }`: one broadcast; replies `{ done: true, seq }`.
 * - `stats`: replies `{ done: true, clients, seq, received }` (received = count of recorded messages).
 * - `close { code?, reason? }` / `terminate`: closes / terminates every client after replying.
 * - `touch`, `delete`, `widgets`, `seed`: the authoritative widgets (see widgetControl.ts).
 *   (`blast` bypasses them: its frames are synthetic and change no widget.)
 * A malformed CONTROL gets `{ type: 'ERROR', replyTo: id, data: { reason } }`.
 * CONTROL replies are never delayed or dropped by the fault knobs.
 */
import type { WebSocket } from 'ws'
import { applyFaultPatch, type FaultyReplier } from './faults'
import { errorFrame, reasonOf, replyFrame } from './protocol'
import type { ReferenceServer, WireMessage } from './types'
import { WIDGET_CONTROL_OPS, widgetControl } from './widgetControl'

/** What a CONTROL message needs from the server. */
export interface ControlContext {
  readonly server: ReferenceServer
  readonly socket: WebSocket
  readonly replier: FaultyReplier
  log(line: string): void
}

/** Largest `count` a CONTROL blast accepts. */
export const MAX_CONTROL_BLAST = 10_000_000

/** Executes one CONTROL message. Never throws; failures are replied as ERROR. */
export function handleControl(message: WireMessage, ctx: ControlContext): void {
  const { server, socket, replier } = ctx
  const id = message.id
  const reply = (data: unknown): void => {
    if (id !== undefined) replier.reply(socket, replyFrame('CONTROL', id, data), 'control')
  }
  const fail = (error: unknown): void => {
    ctx.log(`CONTROL failed: ${reasonOf(error)}`)
    replier.reply(socket, errorFrame(reasonOf(error), id), 'control')
  }
  const data = (message.data ?? {}) as Record<string, unknown>
  try {
    switch (data.op) {
      case 'blast': {
        const count = data.count
        const keys = data.keys ?? 100
        const messageType = data.messageType ?? 'WIDGET_UPDATE'
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_CONTROL_BLAST) {
          throw new Error(`blast needs an integer count in [0, ${MAX_CONTROL_BLAST}]`)
        }
        if (typeof keys !== 'number' || !Number.isInteger(keys) || keys < 1) {
          throw new Error('blast keys must be a positive integer')
        }
        if (typeof messageType !== 'string' || messageType === '') {
          throw new Error('blast messageType must be a non-empty string')
        }
        server
          .blast(count, (i) => ({ type: messageType, data: { id: 'w-' + (i % keys), value: i, version: i + 1 } }))
          .then(() => reply({ done: true, count }), fail)
        return
      }
      case 'faults': {
        applyFaultPatch(server.faults, data.faults)
        reply({ done: true, faults: { ...server.faults } })
        return
      }
      case 'broadcast': {
        if (typeof data.messageType !== 'string' || data.messageType === '') {
          throw new Error('broadcast needs a messageType string')
        }
        const seq = server.broadcast(data.messageType, data.payload)
        reply({ done: true, seq })
        return
      }
      case 'stats': {
        reply({ done: true, clients: server.clientCount(), seq: server.seq, received: server.received.length })
        return
      }
      case 'close': {
        const code = typeof data.code === 'number' ? data.code : 1000
        const reason = typeof data.reason === 'string' ? data.reason : ''
        reply({ done: true })
        server.closeAll(code, reason)
        return
      }
      case 'terminate': {
        // Terminate only once the reply has been written out.
        if (id !== undefined && socket.readyState === socket.OPEN) {
          socket.send(JSON.stringify(replyFrame('CONTROL', id, { done: true })), () => server.terminateAll())
        } else {
          server.terminateAll()
        }
        return
      }
      default:
        if (typeof data.op === 'string' && WIDGET_CONTROL_OPS.has(data.op)) {
          reply(widgetControl(server, data))
          return
        }
        throw new Error(`unknown CONTROL op: ${String(data.op)}`)
    }
  } catch (error) {
    fail(error)
  }
}
