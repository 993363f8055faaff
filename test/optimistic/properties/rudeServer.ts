/**
 * A rude server for rude.e2e.property.test.ts, written from the README ("What a server must do")
 * and DESIGN.md section 4, not from src/:
 *
 * - an entity's version goes up by one on every change; every change is broadcast with `seq`, and
 *   with the opId when an op caused it;
 * - an op is applied at most once per opId; a replay of an applied op gets the stored ACK;
 * - an op frame's `data` is a patch: the fields present (minus `id` and `baseVersion`) are set, a
 *   field left out is left alone (so a MERGE resend without `value` does not change `value`);
 * - on every (re)connect it sends the whole state (a resync snapshot, without opIds).
 *
 * Within those rules it is as rude as a real server: it picks deliveries out of order, answers late
 * (held frames are released in any order), twice, without a value, with a NACK (retryable or not)
 * for an old delivery, with or without echoing `attempt`, not at all, or with a wrong answer
 * first; a socket drop loses whatever it held for that socket.
 *
 * It also keeps the ledger the test checks the client against: every delivery it received, which
 * of them were answered (as far as the client can know), and which applied ops the client was told
 * about (an ACK or a broadcast carrying the opId reached it).
 */
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { FakeServer, type ServerAck } from './fakeServer'
import type { Widget } from './model'

export const KEYS = ['w-1', 'w-2', 'w-3'] as const

/** How ops leave the client: single frames, `BATCH` frames (`outbound.batch`), or `outbound.onUpdate`. */
export type Transport = 'socket' | 'batch' | 'onUpdate'

/** How the server answers the delivery it picked. */
export type Answer =
  /** Apply (once per opId), broadcast, ACK with the entity. */
  | 'ack'
  /** The same, but the ACK carries no `value`. */
  | 'ackBare'
  /** A retryable NACK ("not now"), unless the op is already applied: then its stored ACK. */
  | 'nack'
  /** A non-retryable NACK, unless the op is already applied: then its stored ACK. */
  | 'reject'
  /** Apply and broadcast, but the ACK is never sent. */
  | 'dropAnswer'
  /** The delivery never reaches the server's logic: no effect, no answer. */
  | 'lost'

/** Ways an answer can be wrong; the spec says each is `messageRejected` and changes nothing. */
export type Junk = 'otherKey' | 'notAnEntity' | 'idMismatch' | 'badVersion' | 'futureAttempt'

export interface Frame {
  type: string
  id?: string
  replyTo?: string
  attempt?: number
  seq?: number
  data?: unknown
}

/** One delivery of an op, as the server received it. */
export interface Delivery {
  opId: string
  key: string
  /** The delivery's number: the frame's `attempt`, or the server's own count if the frame has none. */
  attempt: number
  /** What the frame carried as `attempt` (the spec: the op's attempts after the send). */
  frameAttempt: unknown
  data: Record<string, unknown>
  /** Socket number it came on (1, 2, …); 0 when handed over by `outbound.onUpdate`. */
  conn: number
  /** Fake time when it was written / handed over. */
  at: number
  /**
   * The client may consider it answered: an answer to it (or to its whole op: a NACK without
   * `attempt`, any ACK, a broadcast with its opId) reached the client, or its socket died.
   */
  settled: boolean
}

export interface SendOptions {
  /** Echo the delivery's `attempt` in the answer. */
  echo: boolean
  /** Hold the answer and the broadcast; a `release` delivers held frames in any order. */
  late: boolean
  /** Send a second copy, held (it arrives later, after other frames). */
  twice: boolean
  /** Send the ACK before the broadcast of the change (else after it). */
  ackFirst?: boolean
}
export const POLITE: SendOptions = { echo: true, late: false, twice: false }

/** The authoritative state, with op frames read as patches (see the file comment), and its history. */
export class PatchServer extends FakeServer {
  /** Every value each key ever had, by version. */
  readonly history = new Map<string, Map<number, Widget | null>>()

  override seed(key: string, version: number, value: Widget): void {
    super.seed(key, version, value)
    this.remember(key)
  }

  override remote(key: string, patch: Partial<Widget>): ServerAck {
    const change = super.remote(key, patch)
    this.remember(key)
    return change
  }

  private remember(key: string): void {
    const { version, value } = this.entities[key]!
    if (!this.history.has(key)) this.history.set(key, new Map())
    this.history.get(key)!.set(version, value)
  }

  receivePatch(opId: string, key: string, patch: Record<string, unknown>): { ack: ServerAck; fresh: boolean } {
    const known = this.applied.get(opId)
    if (known) return { ack: known, fresh: false }
    const entity = (this.entities[key] ??= { version: 0, value: null })
    entity.value = { ...(entity.value ?? { id: key, value: 0 }), ...patch, id: key } as Widget
    entity.version += 1
    this.remember(key)
    const ack = { key, version: entity.version, value: entity.value }
    this.applied.set(opId, ack)
    this.applyCount.set(opId, (this.applyCount.get(opId) ?? 0) + 1)
    return { ack, fresh: true }
  }
}

/** A FakeWebSocket that shows the server every frame the moment the client writes it. */
export class WireSocket extends FakeWebSocket {
  static server: RudeServer | null = null
  override send(data: string): void {
    super.send(data)
    WireSocket.server?.received(this, data)
  }
}

export class RudeServer {
  readonly core = new PatchServer()
  /** Every op delivery ever received, in arrival order. */
  readonly deliveries: Delivery[] = []
  /** Deliveries not yet answered, in arrival order (a `serve` picks any of them). */
  inbox: Delivery[] = []
  /** Answers and broadcasts held back; lost if the socket drops first. */
  held: Frame[] = []
  /** Ops refused for good by a NACK without `attempt` (an answer for the whole op). */
  readonly refused = new Set<string>()
  /** Ops the client was told were applied (an ACK or a broadcast with the opId reached it). */
  readonly toldApplied = new Set<string>()
  /** What happened, for the failure message. */
  readonly trace: string[] = []
  /** Called for every op delivery as it arrives (the test's wire checks). */
  onDelivery: (delivery: Delivery) => void = () => {}
  /** How many deliveries of an op the client has made (its `attempts`), while it is pending. */
  clientAttempts: (opId: string) => number | undefined = () => undefined

  private socket: FakeWebSocket | null = null
  private conn = 0
  private seq = 0
  private pongs = 0

  constructor(readonly now: () => number) {
    for (const key of KEYS) this.core.seed(key, 1, { id: key, value: 0, title: 'a' })
  }

  get up(): boolean {
    return this.socket !== null && this.socket.readyState === FakeWebSocket.OPEN
  }

  log(line: string): void {
    this.trace.push(`t=${this.now()} ${line}`)
  }

  // --- the connection ------------------------------------------------------------------------

  /** Accepts a socket and sends the resync snapshot: every entity, no opIds. */
  open(socket: FakeWebSocket): void {
    this.socket = socket
    this.conn += 1
    this.pongs = 0
    this.log(`server accepts socket ${this.conn}`)
    socket.acceptOpen()
    this.snapshot()
  }

  snapshot(): void {
    this.log('server → snapshot of every entity')
    for (const [key, entity] of Object.entries(this.core.entities)) this.sendNow(this.broadcast(key, entity.version, entity.value))
  }

  /**
   * The server drops the socket. With `serverRead`, it had read the frames still waiting for it
   * on this socket and applies them (their answers and broadcasts are lost with the socket);
   * otherwise they never reached it. What it held for the socket is lost.
   */
  drop(serverRead: boolean): void {
    if (!this.socket) return
    const socket = this.socket
    const conn = this.conn
    this.socket = null
    this.log(`server drops socket ${conn}${serverRead ? ' (after applying what it had read)' : ''}; ${this.held.length} held frames lost`)
    this.held = []
    for (const d of this.inbox.filter((d) => d.conn === conn)) {
      this.inbox.splice(this.inbox.indexOf(d), 1)
      if (serverRead) this.process(d, 'ack', POLITE)
    }
    // Deliveries made on the socket die with it: the client sends them again on the next one.
    for (const d of this.deliveries) if (d.conn === conn && conn !== 0) d.settled = true
    socket.serverClose()
  }

  answerPings(): void {
    if (!this.up) return
    const pings = this.socket!.allSentMessages.filter((m) => m.type === 'PING')
    for (const ping of pings.slice(this.pongs)) this.socket!.deliver({ type: 'PONG', data: ping.data })
    this.pongs = pings.length
  }

  // --- receiving ------------------------------------------------------------------------------

  /** A frame the client wrote on a socket. */
  received(socket: FakeWebSocket, text: string): void {
    if (socket !== this.socket) return
    const frame = JSON.parse(text) as Frame
    if (frame.type === 'BATCH' && Array.isArray(frame.data)) for (const inner of frame.data as Frame[]) this.receiveOp(inner, this.conn)
    else this.receiveOp(frame, this.conn)
  }

  /** Op messages handed to `outbound.onUpdate`. */
  handedOver(batch: readonly unknown[]): void {
    for (const message of batch) this.receiveOp(JSON.parse(JSON.stringify(message)) as Frame, 0)
  }

  private receiveOp(frame: Frame, conn: number): void {
    if (frame.type !== 'WIDGET_UPDATE' || typeof frame.id !== 'string') return
    const data = (frame.data ?? {}) as Record<string, unknown>
    const earlier = this.deliveries.filter((d) => d.opId === frame.id).length
    const attempt = Number.isInteger(frame.attempt) && frame.attempt! > 0 ? frame.attempt! : earlier + 1
    const delivery: Delivery = { opId: frame.id, key: String(data.id), attempt, frameAttempt: frame.attempt, data, conn, at: this.now(), settled: false }
    this.deliveries.push(delivery)
    this.inbox.push(delivery)
    this.log(`client → ${frame.id}#${frame.attempt ?? '?'} ${JSON.stringify(data)}${conn === 0 ? ' (onUpdate)' : ''}`)
    this.onDelivery(delivery)
  }

  // --- answering ------------------------------------------------------------------------------

  /** Answers the `pick`-th delivery waiting in the inbox; false when none waits. */
  serve(pick: number, answer: Answer, options: SendOptions): boolean {
    if (this.inbox.length === 0) return false
    const [delivery] = this.inbox.splice(pick % this.inbox.length, 1)
    this.process(delivery!, answer, options)
    return true
  }

  private process(d: Delivery, answer: Answer, options: SendOptions): void {
    // A NACK without `attempt` is an answer for the whole op (see below); it is only sent when the
    // server has every delivery the client made (none waits in an outbound window), else the
    // client could not know which one it answers.
    const sentAll = (this.clientAttempts(d.opId) ?? 0) <= this.deliveries.filter((x) => x.opId === d.opId).length
    const echoes = options.echo || !sentAll
    this.log(`server takes ${d.opId}#${d.attempt}: ${answer}${echoes ? '' : ' (no attempt echo)'}${options.ackFirst ? ' ACK first' : ''}${options.late ? ' late' : ''}${options.twice ? ' twice' : ''}`)
    if (answer === 'lost') return
    const echo = echoes ? { attempt: d.attempt } : {}
    if (!this.core.applied.has(d.opId) && (this.refused.has(d.opId) || answer === 'nack' || answer === 'reject')) {
      const retryable = answer === 'nack' && !this.refused.has(d.opId)
      const nack: Frame = { type: 'NACK', replyTo: d.opId, ...echo, data: { reason: retryable ? 'busy' : 'refused', retryable } }
      if (nack.attempt !== undefined) return this.emit(nack, options)
      // Without `attempt` the client cannot tell which delivery a NACK answers, so this server
      // makes it an answer for the whole op: sent at once and once, it covers every delivery of
      // the op received so far (none of them will be applied), and a refusal is final.
      if (!retryable) this.refused.add(d.opId)
      return this.sendNow(nack)
    }
    const { ack, fresh } = this.core.receivePatch(d.opId, d.key, patchOf(d.data))
    const data = answer === 'ackBare' ? { key: ack.key, version: ack.version } : { key: ack.key, version: ack.version, value: ack.value }
    const frames = [
      ...(fresh ? [this.broadcast(ack.key, ack.version, ack.value, d.opId)] : []),
      ...(answer === 'dropAnswer' ? [] : [{ type: 'ACK', replyTo: d.opId, ...echo, data }]),
    ]
    if (options.ackFirst) frames.reverse()
    for (const frame of frames) this.emit(frame, options)
  }

  /** Another user's change. */
  remote(key: string, patch: Partial<Widget>, options: SendOptions): void {
    const change = this.core.remote(key, patch)
    this.log(`another user: ${key} ${JSON.stringify(patch)} → v${change.version}`)
    this.emit(this.broadcast(change.key, change.version, change.value), options)
  }

  /** The op a `junk(pick)` is about, if it sends one. */
  junkTarget(pick: number): string | undefined {
    return this.up ? this.deliveries[pick % this.deliveries.length]?.opId : undefined
  }

  /** A wrong answer about the `pick`-th delivery ever received (pending, confirmed or rolled back). */
  junk(pick: number, kind: Junk): void {
    if (this.deliveries.length === 0 || !this.up) return
    const d = this.deliveries[pick % this.deliveries.length]!
    const other = KEYS[(KEYS.indexOf(d.key as (typeof KEYS)[number]) + 1) % KEYS.length]!
    const mine = this.core.entities[d.key]!
    const theirs = this.core.entities[other]!
    const data = {
      otherKey: { key: other, version: theirs.version + 50, value: theirs.value },
      notAnEntity: { key: d.key, version: mine.version + 1, value: 42 },
      idMismatch: { key: d.key, version: mine.version + 1, value: { ...mine.value, id: other } },
      badVersion: { key: d.key, version: -5, value: mine.value },
      futureAttempt: { key: d.key, version: mine.version, value: mine.value },
    }[kind]
    const frame: Frame = { type: 'ACK', replyTo: d.opId, ...(kind === 'futureAttempt' ? { attempt: 50 } : {}), data }
    this.log(`server → wrong ACK (${kind}) ${JSON.stringify(frame)}`)
    this.socket!.deliver(frame)
  }

  /** Delivers the `pick`-th held frame. */
  release(pick: number): void {
    if (this.held.length === 0) return
    const [frame] = this.held.splice(pick % this.held.length, 1)
    this.sendNow(frame!, 'released ')
  }

  /** The settle phase: every waiting delivery answered politely, every held frame released. */
  answerEverything(): void {
    while (this.inbox.length > 0) this.serve(0, 'ack', POLITE)
    while (this.held.length > 0) this.release(0)
  }

  private broadcast(key: string, version: number, value: Widget | null, opId?: string): Frame {
    return { type: 'WIDGET_UPDATE', seq: ++this.seq, data: { ...value, id: key, version, ...(opId ? { opId } : {}) } }
  }

  private emit(frame: Frame, options: SendOptions): void {
    if (options.late) this.held.push(frame)
    else this.sendNow(frame)
    if (options.twice) this.held.push(frame)
  }

  /** Puts a frame on the wire now (lost if no socket is open) and notes what the client learns. */
  private sendNow(frame: Frame, how = ''): void {
    if (!this.up) {
      this.log(`server → ${describeFrame(frame)} LOST (no socket)`)
      return
    }
    this.log(`server → ${how}${describeFrame(frame)}`)
    const opId = frame.type === 'WIDGET_UPDATE' ? (frame.data as { opId?: string }).opId : frame.replyTo
    if (opId !== undefined) {
      const ofOp = this.deliveries.filter((d) => d.opId === opId)
      if (frame.type === 'NACK' && frame.attempt !== undefined) {
        for (const d of ofOp) if (d.attempt === frame.attempt) d.settled = true
      } else {
        // An ACK or broadcast settles the op; a NACK without `attempt` answers the whole op.
        for (const d of ofOp) d.settled = true
        if (frame.type === 'NACK') this.inbox = this.inbox.filter((d) => d.opId !== opId)
        else this.toldApplied.add(opId)
      }
    }
    this.socket!.deliver(frame)
  }
}

/** An op frame's data read as a patch: the fields present, minus `id` and `baseVersion`. */
export function patchOf(data: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, baseVersion: _base, ...patch } = data
  return patch
}

function describeFrame(frame: Frame): string {
  const data = frame.data as Record<string, unknown> | undefined
  if (frame.type === 'WIDGET_UPDATE') {
    const { id, version, opId, ...value } = data ?? {}
    return `update ${String(id)} v${String(version)} ${JSON.stringify(value)}${opId ? ` (${String(opId)})` : ''} seq ${frame.seq}`
  }
  const attempt = frame.attempt === undefined ? '' : `#${frame.attempt}`
  if (frame.type === 'ACK') {
    const value = data && Object.hasOwn(data, 'value') ? ` ${JSON.stringify(data.value)}` : ' (no value)'
    return `ACK ${frame.replyTo}${attempt} ${String(data?.key)} v${String(data?.version)}${value}`
  }
  return `${frame.type} ${frame.replyTo}${attempt} ${JSON.stringify(data)}`
}
