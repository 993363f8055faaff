import type { WebSocketLike } from '../../src/world/webSocket'

/**
 * An in-memory WebSocket for unit tests: the test plays the server by calling `acceptOpen`,
 * `deliver` and `serverClose`, and reads what the client wrote from `sent`.
 */
export class FakeWebSocket implements WebSocketLike {
  static CONNECTING = 0
  static OPEN = 1
  static CLOSING = 2
  static CLOSED = 3

  /** Every socket made since the last `reset()`, oldest first. */
  static instances: FakeWebSocket[] = []
  static reset(): void {
    FakeWebSocket.instances = []
  }
  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1)
    if (!socket) throw new Error('no FakeWebSocket was constructed')
    return socket
  }

  readyState = FakeWebSocket.CONNECTING
  onopen: ((event: unknown) => unknown) | null = null
  onmessage: ((event: { data: unknown }) => unknown) | null = null
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => unknown) | null = null
  onerror: ((event: unknown) => unknown) | null = null
  readonly sent: string[] = []
  closedByClient: { code?: number; reason?: string } | null = null
  /** How many of the client's PINGs a test has answered (see heartbeat tests). */
  answered = 0
  terminated = false

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this)
  }

  /**
   * Parsed frames the client sent, the package's own traffic left out: heartbeat frames (PING/PONG)
   * and the sync's SYNC requests (sent on every open when collections are declared; see `syncRequests`).
   */
  get sentMessages(): Array<{ type: string; id?: string; replyTo?: string; attempt?: number; data?: any }> {
    return this.allSentMessages.filter((m) => m.type !== 'PING' && m.type !== 'PONG' && m.type !== 'SYNC')
  }

  /** The SYNC requests the client sent, oldest first. */
  get syncRequests(): Array<{ type: string; id: string; data: { since: number } }> {
    return this.allSentMessages.filter((m) => m.type === 'SYNC') as Array<{ type: string; id: string; data: { since: number } }>
  }

  /** Every parsed frame the client sent, heartbeat included. */
  get allSentMessages(): Array<{ type: string; id?: string; replyTo?: string; attempt?: number; data?: any }> {
    return this.sent.map((frame) => JSON.parse(frame))
  }

  send(data: string): void {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error(`send() while readyState=${this.readyState}`)
    this.sent.push(data)
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason }
    this.readyState = FakeWebSocket.CLOSED
  }

  terminate(): void {
    this.terminated = true
    this.readyState = FakeWebSocket.CLOSED
  }

  // --- the server's side ---

  acceptOpen(): void {
    this.readyState = FakeWebSocket.OPEN
    this.onopen?.({ type: 'open' })
  }

  deliver(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' || typeof frame !== 'object' || frame instanceof Uint8Array ? frame : JSON.stringify(frame) })
  }

  fail(): void {
    this.onerror?.({ type: 'error' })
  }

  serverClose(code = 1006, reason = '', wasClean = false): void {
    this.readyState = FakeWebSocket.CLOSED
    this.onclose?.({ code, reason, wasClean })
  }
}

/**
 * Lets the frames delivered in this turn reach the store: the socket channel passes the first
 * frame of a turn at once and the rest of the burst at the end of the turn (a microtask).
 */
export async function endOfTurn(): Promise<void> {
  await Promise.resolve()
  await Promise.resolve()
}
