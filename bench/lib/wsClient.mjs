/**
 * Raw `ws` client helpers: open/close a socket, and CONTROL requests whose replies are picked out
 * of the scenario's own message handler (the handler sees every frame; it hands frames with a
 * `replyTo` to `control.handleReply` and processes the rest).
 */
import { WebSocket } from 'ws'
import { controlFrame } from './protocol.mjs'

/** Opens a `ws` WebSocket and resolves once it is open. */
export function openSocket(url, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`socket to ${url} did not open within ${timeoutMs} ms`))
    }, timeoutMs)
    ws.once('open', () => {
      clearTimeout(timer)
      resolve(ws)
    })
    ws.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

/** Closes a socket and resolves once the close handshake is over (or it was already closed). */
export function closeSocket(ws, timeoutMs = 5_000) {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate()
      resolve()
    }, timeoutMs)
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.close(1000, 'bench done')
  })
}

/**
 * CONTROL requests over `send(text)`. Feed every parsed frame that has a `replyTo` to
 * `handleReply`; it returns true when the frame answered one of these requests.
 */
export function createControl(send) {
  const pending = new Map()
  return {
    request(data, timeoutMs = 120_000) {
      const { id, text } = controlFrame(data)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`CONTROL ${data.op} got no reply within ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, { resolve, reject, timer })
        send(text)
      })
    },
    handleReply(message) {
      const waiter = pending.get(message.replyTo)
      if (!waiter) return false
      pending.delete(message.replyTo)
      clearTimeout(waiter.timer)
      if (message.type === 'CONTROL') waiter.resolve(message.data)
      else waiter.reject(new Error(`CONTROL failed: ${JSON.stringify(message.data)}`))
      return true
    },
  }
}

/**
 * Polls the server's `stats` until exactly `n` clients are open, so a blast reaches only the
 * socket under test (the previous round's socket may still be closing).
 * @param {(data: object) => Promise<{ clients: number }>} request a CONTROL request function
 */
export async function waitForServerClients(request, n, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const stats = await request({ op: 'stats' })
    if (stats.clients === n) return
    if (Date.now() > deadline) throw new Error(`server has ${stats.clients} clients, expected ${n}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
