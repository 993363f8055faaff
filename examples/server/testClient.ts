/**
 * A tiny `ws` client for tests against the reference server: decodes every text frame, queues
 * the messages, and lets a test await the next one matching a predicate.
 */
import { WebSocket } from 'ws'
import type { WireMessage } from './types'

/** A connected test client. */
export interface TestClient {
  readonly ws: WebSocket
  /**
   * Every decoded message received so far, in order (binary frames appear as `{ type: '<binary>' }`).
   * A `BATCH` frame appears as its elements, in order, as the package unpacks it.
   */
  readonly messages: WireMessage[]
  /** Every frame as received, a `BATCH` as one message (to see how the server coalesced). */
  readonly frames: WireMessage[]
  /** Sends an object as JSON, or a string verbatim. */
  send(message: WireMessage | string): void
  /**
   * Resolves with the first message not yet taken by `next` that matches `predicate` (in arrival
   * order), waiting up to `timeoutMs` (default 2000) for it to arrive.
   */
  next(predicate?: (message: WireMessage) => boolean, timeoutMs?: number): Promise<WireMessage>
  /** Sends a request with a fresh id and resolves with the message whose `replyTo` is that id. */
  request(type: string, data?: unknown, timeoutMs?: number): Promise<WireMessage>
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>
  /** Closes the socket (if open) and waits for the close. */
  close(): Promise<{ code: number; reason: string }>
}

let counter = 0

/** Connects to `url` and resolves once the socket is open; rejects on a failed handshake. */
export function connectTestClient(url: string): Promise<TestClient> {
  const ws = new WebSocket(url)
  const messages: WireMessage[] = []
  const frames: WireMessage[] = []
  const taken = new Set<WireMessage>()
  const waiters = new Set<() => void>()
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }))
  })

  ws.on('message', (raw, isBinary) => {
    let message: WireMessage
    if (isBinary) {
      message = { type: '<binary>' }
    } else {
      try {
        message = JSON.parse(raw.toString()) as WireMessage
      } catch {
        message = { type: '<invalid>', data: raw.toString() }
      }
    }
    frames.push(message)
    if (message.type === 'BATCH' && Array.isArray(message.data)) messages.push(...(message.data as WireMessage[]))
    else messages.push(message)
    for (const wake of waiters) wake()
  })

  const client: TestClient = {
    ws,
    messages,
    frames,
    closed,
    send(message) {
      ws.send(typeof message === 'string' ? message : JSON.stringify(message))
    },
    next(predicate = () => true, timeoutMs = 2_000) {
      return new Promise<WireMessage>((resolve, reject) => {
        const find = (): boolean => {
          for (const message of messages) {
            if (!taken.has(message) && predicate(message)) {
              taken.add(message)
              waiters.delete(find)
              clearTimeout(timer)
              resolve(message)
              return true
            }
          }
          return false
        }
        const timer = setTimeout(() => {
          waiters.delete(find)
          reject(new Error(`no matching message within ${timeoutMs} ms (received ${messages.length})`))
        }, timeoutMs)
        if (!find()) waiters.add(find)
      })
    },
    request(type, data, timeoutMs) {
      const id = `req-${++counter}`
      client.send(data === undefined ? { type, id } : { type, id, data })
      return client.next((m) => m.replyTo === id, timeoutMs)
    },
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close()
      return closed
    },
  }

  return new Promise<TestClient>((resolve, reject) => {
    ws.once('open', () => {
      ws.off('error', reject)
      ws.on('error', () => {})
      resolve(client)
    })
    ws.once('error', reject)
  })
}
