/**
 * End to end: a real store (reducer, middleware, sagas, batcher) over a FakeWebSocket, under fake
 * timers, against a fake authoritative server that ACKs, NACKs, delays, loses replies, closes the
 * socket and lets another user edit. At the end everything is delivered and settled: the views
 * equal the server's state (invariant 0), no op was applied twice or lost (invariants 4 and 5),
 * and ops of one key reached the server in creation order.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore } from '../../support/widgets'
import { check, expectLanesWellFormed, expectRebased } from './checks'
import { KEYS, STRATEGIES, rawLaneOf } from './harness'
import { FakeServer } from './fakeServer'
import type { Field, Strategy, Widget } from './model'

const E2E_RUNS = Math.max(100, Number(process.env.E2E_RUNS ?? 100))
const OP_TIMEOUT = 1000

type Outcome = 'ack' | 'delay' | 'nackRetry' | 'nackFatal' | 'drop' | 'ackLost'
type Cmd =
  | { t: 'edit'; key: number; field: Field; v: number }
  | { t: 'serve'; outcome: Outcome }
  | { t: 'release' }
  | { t: 'remote'; key: number; field: Field; v: number }
  | { t: 'wait'; ms: number }
  | { t: 'close' }

const key = fc.nat({ max: KEYS.length - 1 })
const field = fc.constantFrom<Field>('value', 'title')
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('edit' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('serve' as const), outcome: fc.constantFrom<Outcome>('ack', 'ack', 'delay', 'nackRetry', 'nackFatal', 'drop', 'ackLost') }), weight: 6 },
  { arbitrary: fc.constant({ t: 'release' as const }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('remote' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('wait' as const), ms: fc.constantFrom(0, 60, 300, OP_TIMEOUT + 100) }), weight: 2 },
  { arbitrary: fc.constant({ t: 'close' as const }), weight: 1 },
)

type Frame = { type: string; id?: string; data?: any }

/** The server side of one client: the authoritative state plus what is on the wire. */
class WireServer {
  readonly core = new FakeServer()
  socket!: FakeWebSocket
  private cursor = 0
  private answered = 0
  private seq = 0
  held: Frame[] = []
  readonly rejected = new Set<string>()
  /** Per key, the opIds in the order the server first received them. */
  readonly firstReceipt = new Map<string, string[]>()
  /** Every delivery's args (without baseVersion), per opId. */
  readonly deliveries = new Map<string, Record<string, unknown>[]>()

  open(socket: FakeWebSocket): void {
    this.socket = socket
    this.cursor = 0
    this.answered = 0
    this.held = []
    socket.acceptOpen()
    // The resync a reconnect triggers: the current state of every entity.
    for (const [k, e] of Object.entries(this.core.entities)) this.broadcast(k, e.version, e.value)
    this.answerPings()
  }
  answerPings(): void {
    const pings = this.socket.allSentMessages.filter((m) => m.type === 'PING')
    for (const ping of pings.slice(this.answered)) this.socket.deliver({ type: 'PONG', data: ping.data })
    this.answered = pings.length
  }
  broadcast(k: string, version: number, value: Widget | null, opId?: string, hold = false): Frame {
    return this.send({ type: 'WIDGET_UPDATE', seq: ++this.seq, data: { ...value, id: k, version, ...(opId ? { opId } : {}) } } as Frame, hold)
  }
  send(frame: Frame, hold = false): Frame {
    if (hold) this.held.push(frame)
    else if (this.socket.readyState === FakeWebSocket.OPEN) this.socket.deliver(frame)
    return frame
  }
  /** Handles the next op frame the client wrote; false when there is none. */
  serve(outcome: Outcome): boolean {
    const frames = this.socket.sentMessages.filter((m) => m.type === 'WIDGET_UPDATE')
    const frame = frames[this.cursor]
    if (!frame) return false
    this.cursor++
    const { baseVersion: _, ...args } = frame.data
    const opId = frame.id!
    this.deliveries.set(opId, [...(this.deliveries.get(opId) ?? []), args])
    const receipts = this.firstReceipt.get(args.id) ?? []
    if (!receipts.includes(opId)) this.firstReceipt.set(args.id, [...receipts, opId])
    if (outcome === 'drop') return true
    // A definite rejection is definite: a later delivery of that op is rejected again.
    const rejected = this.rejected.has(opId) || (outcome === 'nackFatal' && !this.core.applied.has(opId))
    if (rejected || (outcome === 'nackRetry' && !this.core.applied.has(opId))) {
      if (rejected) this.rejected.add(opId)
      this.send({ type: 'NACK', replyTo: opId, data: { reason: 'refused', retryable: !rejected } } as Frame)
      return true
    }
    // The frame's data is a patch of entity fields (a MERGE leaves the protected ones out).
    const { ack, fresh } = this.core.receive({ opId, key: args.id, data: args })
    const hold = outcome === 'delay'
    if (fresh) this.broadcast(ack.key, ack.version, ack.value, opId, hold)
    if (outcome !== 'ackLost') this.send({ type: 'ACK', replyTo: opId, data: { key: ack.key, version: ack.version, value: ack.value } } as Frame, hold)
    return true
  }
  release(): void {
    const frame = this.held.shift()
    if (frame) this.send(frame)
  }
}

async function runE2E(strategy: Strategy, cmds: Cmd[]): Promise<void> {
  FakeWebSocket.reset()
  const t = createWidgetStore({
    config: {
      optimistic: { CONFLICT_RESOLUTION: strategy, TIMEOUT: OP_TIMEOUT },
      websocket: { RECONNECT_DELAY: 100, RECONNECT_MAX_DELAY: 400, RECONNECT_ATTEMPTS: 1000 },
      updates: { BATCH_DELAY: 50 },
    },
  })
  const server = new WireServer()
  const tick = async (ms = 0) => {
    await vi.advanceTimersByTimeAsync(ms)
    if (server.socket?.readyState === FakeWebSocket.OPEN) server.answerPings()
    // After every step: views rebased, lanes well formed (the op index too), never two deliveries of
    // one key on the wire (an op in doubt still holds its lane's turn): only its first op not acked.
    const state = t.store.getState().realtime
    expectRebased(state, KEYS)
    expectLanesWellFormed(state, KEYS)
    for (const lane of KEYS.map((k) => rawLaneOf(state, k))) {
      const turn = lane.findIndex((op) => op.status !== 'acked')
      check(lane.every((op, i) => i === turn || (op.status !== 'sent' && op.status !== 'doubt')), () => `only the op whose turn it is is on the wire: ${JSON.stringify(lane.map((op) => op.status))}`)
    }
  }
  for (const k of KEYS) server.core.seed(k, 1, { id: k, value: 0, title: 'a' })
  await tick()
  server.open(FakeWebSocket.last)
  await tick(60)
  const created: string[] = []
  const argsOf = new Map<string, Record<string, unknown>>()

  for (const cmd of cmds) {
    if (cmd.t === 'edit') {
      const k = KEYS[cmd.key]!
      const action = cmd.field === 'value' ? t.realtime.actions.updateWidget({ id: k, value: cmd.v }) : t.realtime.actions.renameWidget({ id: k, title: 'abcd'[cmd.v]! })
      created.push(action.payload.opId)
      argsOf.set(action.payload.opId, action.payload.args)
      t.store.dispatch(action)
    } else if (cmd.t === 'serve') server.serve(cmd.outcome)
    else if (cmd.t === 'release') server.release()
    else if (cmd.t === 'remote') {
      const change = server.core.remote(KEYS[cmd.key]!, cmd.field === 'value' ? { value: 10 + cmd.v } : { title: 'ABCD'[cmd.v]! })
      server.broadcast(change.key, change.version, change.value)
    } else if (cmd.t === 'wait') await tick(cmd.ms)
    else {
      const count = FakeWebSocket.instances.length
      server.socket.serverClose()
      for (let waited = 0; FakeWebSocket.instances.length === count && waited < 60_000; waited += 50) await tick(50)
      expect(FakeWebSocket.instances.length, 'the client reconnects').toBeGreaterThan(count)
      server.open(FakeWebSocket.last)
    }
    await tick()
  }

  // Settle: the server answers everything, held replies arrive, silent ops time out and go again.
  for (let round = 0; ; round++) {
    expect(round, 'settles within 200 rounds').toBeLessThan(200)
    while (server.serve('ack')) await tick()
    while (server.held.length > 0) server.release()
    await tick(60)
    if (t.optimistic().count === 0 && !server.serve('ack')) break
    await tick(OP_TIMEOUT + 100)
  }
  await tick(200)

  const state = t.store.getState().realtime
  for (const k of KEYS) {
    const truth = server.core.entities[k]!
    expect(t.record(k), `${k} converged to the server`).toEqual({ confirmed: truth.value, version: truth.version, view: truth.value })
  }
  const rolledBack = new Map(state.optimistic.rollbacks.map((r) => [r.opId, r.reason.code]))
  for (const opId of created) {
    const applied = server.core.applyCount.get(opId) ?? 0
    expect(applied, `${opId} applied at most once`).toBeLessThanOrEqual(1)
    expect(applied === 1 || rolledBack.has(opId), `${opId} was applied or rolled back, not lost`).toBe(true)
    if (applied === 1) expect(rolledBack.get(opId), `${opId} was applied, so not rejected`).not.toBe('rejected')
    // MERGE leaves the fields the remote won out of a resend ("sent as it is shown"): every delivery
    // is the op's original args minus some fields, never a field or value the op did not have.
    const original = argsOf.get(opId)!
    for (const sent of server.deliveries.get(opId) ?? []) {
      for (const [field, value] of Object.entries(sent)) {
        expect(Object.hasOwn(original, field) && original[field] === value, `a delivery of ${opId} carries ${field}: ${JSON.stringify(value)}, the op's args ${JSON.stringify(original)}`).toBe(true)
      }
      expect(sent.id, `a delivery of ${opId} names its entity`).toBe(original.id)
    }
  }
  for (const [k, order] of server.firstReceipt) {
    const creation = order.map((id) => created.indexOf(id))
    expect(creation, `ops on ${k} reach the server in creation order`).toEqual([...creation].sort((a, b) => a - b))
  }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => {
  vi.clearAllTimers()
  vi.useRealTimers()
})

describe('optimistic core end to end (store + FakeWebSocket + fake timers)', () => {
  it('random edits and server behaviour converge, with every op applied exactly once or rolled back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...STRATEGIES), fc.array(cmdArb, { maxLength: 30, size: 'max' }), async (strategy, cmds) => {
        try {
          await runE2E(strategy, cmds)
        } finally {
          vi.clearAllTimers() // the run's sagas wait forever on timers that never fire
        }
      }),
      {
        numRuns: E2E_RUNS,
        // Found by this property (fixed in 8640fa3): the 4th delivery's retryable NACK rolled the op
        // back as `rejected` (README: `retries_exhausted`); the server then applied a later delivery.
        examples: [['REMOTE_WINS', [{ t: 'edit', key: 0, field: 'value', v: 0 }, { t: 'serve', outcome: 'nackRetry' }, { t: 'wait', ms: 1100 }, { t: 'wait', ms: 1100 }, { t: 'serve', outcome: 'nackRetry' }]]],
      },
    )
  }, 120_000)
})
