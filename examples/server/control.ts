/**
 * `CONTROL` messages (only with `allowControl: true`): drive a server running in another process,
 * e.g. from a benchmark.
 *
 * `{ type: 'CONTROL', id, data: { op, ... } }`, replies `{ type: 'CONTROL', replyTo: id, data }`:
 * - `blast { count, keys?, messageType?, rate?, perFrame? }`: broadcasts `count` messages
 *   `{ type: messageType ?? 'WIDGET_UPDATE', data: { id: 'w-' + (i % keys), value: i, version: i + 1 } }`
 *   (keys defaults to 100) as fast as the sockets take them, or `rate` per second; `perFrame` > 1
 *   broadcasts that many per macrotask, which the server's broadcast coalescing sends as one BATCH
 *   frame. Replies `{ done: true, count }` after all were handed
 *   to the sockets (see blastControl.ts).
 * - `blastTimes`: the server's send time of each message of the last blast, `{ done, count, origin, micros }`.
 * - `clock`: `{ done, now }`, the server's `performance.timeOrigin + performance.now()`.
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
import { blastTimes, clockNow, runBlast } from './blastControl'
import { applyFaultPatch, type FaultyReplier } from './faults'
import { errorFrame, reasonOf, replyFrame } from './protocol'
import type { AnyReferenceServer, WireMessage } from './types'
import { done, WIDGET_CONTROL_OPS, widgetControl } from './widgetControl'

/** What a CONTROL message needs from the server. */
export interface ControlContext {
  readonly server: AnyReferenceServer
  readonly socket: WebSocket
  readonly replier: FaultyReplier
  log(line: string): void
}

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
  // On Redis the widget changes and broadcasts resolve once Redis has them.
  const replyWhenDone = (data: unknown): void => {
    if (data instanceof Promise) data.then(reply, fail)
    else reply(data)
  }
  const data = (message.data ?? {}) as Record<string, unknown>
  try {
    switch (data.op) {
      case 'blast': {
        runBlast(server, socket, data).then(() => reply({ done: true, count: data.count }), fail)
        return
      }
      case 'blastTimes': {
        reply({ done: true, ...blastTimes(server) })
        return
      }
      case 'clock': {
        reply({ done: true, now: clockNow() })
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
        replyWhenDone(done(server.broadcast(data.messageType, data.payload), (seq) => ({ seq })))
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
          replyWhenDone(widgetControl(server, data))
          return
        }
        throw new Error(`unknown CONTROL op: ${String(data.op)}`)
    }
  } catch (error) {
    fail(error)
  }
}
