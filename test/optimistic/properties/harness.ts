/**
 * Drives the package's reducer and the reference model side by side with the same actions,
 * made from abstract commands that fast-check generates (and shrinks). The harness plays the
 * middleware: it sends the op whose turn it is in its lane, checks every answer against the op or
 * rollback record it names (README "Answers are checked") and drops answers that name neither.
 * The fake server decides what ACKs, NACKs and broadcasts exist; it echoes the delivery's
 * `attempt` on some answers and leaves the value out of some ACKs; an inbox of server messages in
 * flight lets them arrive late (answers to older deliveries included), out of order, twice, or
 * never (a socket close, `deliveriesLost`, drops them).
 */
import fc from 'fast-check'
import type { UnknownAction } from '@reduxjs/toolkit'
import { createRealtime } from '../../../src'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import type { Op } from '../../../src/optimistic/types'
import { silentLogger } from '../../../src/world/logger'
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { widgetOptions } from '../../support/widgets'
import { FakeServer, type ServerAck } from './fakeServer'
import { Model, deepEqual, findLastRecord, sentArgs, type Field, type Strategy, type Update, type Widget } from './model'

export const KEYS = ['w-1', 'w-2', 'w-3'] as const
/** At least 500 runs per property; `PROPERTY_RUNS=20000` hunts harder. */
export const RUNS = Math.max(500, Number(process.env.PROPERTY_RUNS ?? 500))
export const TIMEOUT = Math.max(20_000, RUNS * 10)
export const STRATEGIES: Strategy[] = ['REMOTE_WINS', 'LOCAL_WINS', 'MERGE']

export function makeRealtime(strategy: Strategy) {
  return createRealtime({
    ...widgetOptions,
    WebSocket: FakeWebSocket,
    environmentListeners: false,
    logger: silentLogger,
    random: () => 0.5,
    config: { optimistic: { CONFLICT_RESOLUTION: strategy } },
  })
}
export type TestRealtime = ReturnType<typeof makeRealtime>
const instances = new Map<Strategy, TestRealtime>()
export const realtimeFor = (strategy: Strategy) => instances.get(strategy) ?? instances.set(strategy, makeRealtime(strategy)).get(strategy)!

// ---------------------------------------------------------------------------------------------
// Commands

export type SendOutcome = 'apply' | 'nackRetry' | 'nackFatal' | 'lost' | 'ackLost'
/** How a `confirm` command settles an op by hand: with the server's value, its version only, or nothing. */
export type ConfirmHow = 'value' | 'version' | 'none'
export type Cmd =
  | { t: 'edit'; key: number; field: Field; v: number }
  /** `echo`: the answer echoes the delivery's `attempt`; `bare`: the ACK leaves the value out. */
  | { t: 'send'; key: number; outcome: SendOutcome; echo?: boolean; bare?: boolean }
  /** The head's delivery on the wire times out and it goes again at once: two answers may be on their way. */
  | { t: 'retry'; key: number; outcome: SendOutcome; echo?: boolean; bare?: boolean }
  /** The head goes out, and another user's change overtakes its answer (a conflict with an op on the wire). */
  | { t: 'inflight'; key: number; outcome: SendOutcome; echo?: boolean; bare?: boolean; field: Field; v: number }
  | { t: 'deliver'; pick: number; count: number }
  | { t: 'replay'; pick: number }
  | { t: 'remote'; key: number; field: Field; v: number }
  /** Another user's change that overtakes everything in flight: delivered at once (a conflict with what is on the wire). */
  | { t: 'race'; key: number; field: Field; v: number }
  /** `older`: the timer of an older delivery than the latest fires (changes nothing). */
  | { t: 'timeout'; pick: number; older?: boolean }
  /** Negative `pick`: counts from the newest op. */
  | { t: 'rollback'; pick: number }
  /** The op on the wire in a key's lane is rolled back by hand (doubt), then given up: rolled back again, or its delivery times out. */
  | { t: 'abandon'; key: number; how: 'rollback' | 'timeout' }
  | { t: 'confirm'; pick: number; how: ConfirmHow }
  | { t: 'close' }
  | { t: 'flaky'; key: number; times: number }

const key = fc.nat({ max: KEYS.length - 1 })
const field = fc.constantFrom<Field>('value', 'title')
const pick = fc.nat({ max: 20 })
const outcome = fc.constantFrom<SendOutcome>('apply', 'apply', 'apply', 'nackRetry', 'nackFatal', 'lost', 'ackLost')
const abandonArb = fc.record({ t: fc.constant('abandon' as const), key, how: fc.constantFrom<'rollback' | 'timeout'>('rollback', 'timeout') })
const retryArb = fc.record({ t: fc.constant('retry' as const), key, outcome, echo: fc.boolean(), bare: fc.boolean() })
const inflightArb = fc.record({ t: fc.constant('inflight' as const), key, outcome, echo: fc.boolean(), bare: fc.boolean(), field, v: fc.nat({ max: 3 }) })
export const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('edit' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 5 },
  {
    arbitrary: fc.record({
      t: fc.constant('send' as const),
      key,
      outcome: fc.constantFrom<SendOutcome>('apply', 'apply', 'apply', 'nackRetry', 'nackFatal', 'lost', 'ackLost'),
      echo: fc.boolean(),
      bare: fc.boolean(),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ t: fc.constant('deliver' as const), pick, count: fc.integer({ min: 1, max: 4 }) }), weight: 5 },
  { arbitrary: retryArb, weight: 1 },
  { arbitrary: inflightArb, weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('replay' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('remote' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('race' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('timeout' as const), pick, older: fc.constantFrom(false, false, false, true) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('rollback' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('confirm' as const), pick, how: fc.constantFrom<ConfirmHow>('value', 'version', 'none') }), weight: 1 },
  { arbitrary: fc.constant({ t: 'close' as const }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('flaky' as const), key, times: fc.integer({ min: 1, max: 4 }) }), weight: 1 },
)
/**
 * Scenarios that dwell on one key with its deliveries on the wire: conflicts landing while an op
 * is in flight (doubt, stale deliveries), answers to older deliveries, timeouts and socket closes
 * under them, value-less ACKs (acked ops). Rare in `scenarioArb`, frequent here.
 */
export const wireScenarioArb = (maxLength = 30) =>
  fc.record({
    strategy: fc.constantFrom(...STRATEGIES),
    keys: fc.constant(1),
    cmds: fc.array(
      fc.oneof(
        { arbitrary: fc.record({ t: fc.constant('edit' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 3 },
        {
          arbitrary: fc.record({
            t: fc.constant('send' as const),
            key,
            outcome: fc.constantFrom<SendOutcome>('apply', 'apply', 'nackRetry', 'nackFatal', 'lost', 'ackLost'),
            echo: fc.boolean(),
            bare: fc.boolean(),
          }),
          weight: 4,
        },
        { arbitrary: fc.record({ t: fc.constant('deliver' as const), pick, count: fc.integer({ min: 1, max: 2 }) }), weight: 4 },
        { arbitrary: retryArb, weight: 2 },
        { arbitrary: inflightArb, weight: 3 },
        { arbitrary: fc.record({ t: fc.constant('race' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 3 },
        { arbitrary: fc.record({ t: fc.constant('timeout' as const), pick, older: fc.constantFrom(false, false, true) }), weight: 3 },
        { arbitrary: fc.constant({ t: 'close' as const }), weight: 1 },
        { arbitrary: fc.record({ t: fc.constant('rollback' as const), pick }), weight: 1 },
        { arbitrary: fc.record({ t: fc.constant('confirm' as const), pick, how: fc.constantFrom<ConfirmHow>('value', 'version', 'none') }), weight: 1 },
        { arbitrary: fc.record({ t: fc.constant('replay' as const), pick }), weight: 1 },
        { arbitrary: abandonArb, weight: 1 },
      ),
      { maxLength, size: 'max' },
    ),
  })
/**
 * Scenarios around answers that come after their op was rolled back: by hand while on the wire
 * (doubt), given up (a timeout, or rolled back by hand again), refused (NACK); the ACK or
 * broadcast then arrives late, over newer ops of the key; acked ops rolled back by hand; late
 * duplicates of confirmed ops. Rare in `scenarioArb`, frequent here.
 */
export const lateScenarioArb = (maxLength = 30) =>
  fc.record({
    strategy: fc.constantFrom(...STRATEGIES),
    keys: fc.integer({ min: 1, max: 2 }),
    cmds: fc.array(
      fc.oneof(
        { arbitrary: fc.record({ t: fc.constant('edit' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 4 },
        {
          arbitrary: fc.record({
            t: fc.constant('send' as const),
            key,
            outcome: fc.constantFrom<SendOutcome>('apply', 'apply', 'apply', 'nackRetry', 'nackFatal', 'ackLost'),
            echo: fc.boolean(),
            bare: fc.boolean(),
          }),
          weight: 4,
        },
        { arbitrary: fc.record({ t: fc.constant('deliver' as const), pick, count: fc.constant(1) }), weight: 5 },
        { arbitrary: fc.record({ t: fc.constant('rollback' as const), pick: fc.nat({ max: 3 }).map((n) => -1 - n) }), weight: 1 },
        { arbitrary: abandonArb, weight: 3 },
        { arbitrary: fc.record({ t: fc.constant('timeout' as const), pick, older: fc.constant(false) }), weight: 2 },
        { arbitrary: fc.record({ t: fc.constant('remote' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 2 },
        { arbitrary: fc.record({ t: fc.constant('race' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 1 },
        { arbitrary: fc.record({ t: fc.constant('confirm' as const), pick, how: fc.constantFrom<ConfirmHow>('value', 'version', 'none') }), weight: 1 },
        { arbitrary: fc.record({ t: fc.constant('replay' as const), pick }), weight: 2 },
        { arbitrary: fc.constant({ t: 'close' as const }), weight: 1 },
      ),
      { maxLength, size: 'max' },
    ),
  })
export const scenarioArb = (maxLength = 40) =>
  fc.record({ strategy: fc.constantFrom(...STRATEGIES), keys: fc.integer({ min: 1, max: 3 }), cmds: fc.array(cmdArb, { maxLength, size: 'max' }) })
export type Scenario = { strategy: Strategy; keys: number; cmds: Cmd[] }

// ---------------------------------------------------------------------------------------------
// The run

/** A server message in flight. `attempt` is the delivery it answers; `echo` says whether the frame carries it. */
export type Message =
  | { kind: 'ack'; opId: string; attempt: number; echo: boolean; bare: boolean; ack: ServerAck }
  | { kind: 'nack'; opId: string; key: string; attempt: number; echo: boolean; reason: string; retryable: boolean }
  | { kind: 'update'; update: Update }

export interface Step {
  cmd: Cmd | { t: 'settle' | 'seed' }
  action: UnknownAction
  before: RealtimeState
  after: RealtimeState
  run: Run
}
export type StepHook = (step: Step) => void

const titleOf = (v: number) => ['a', 'b', 'c', 'd'][v]!

export class Run {
  readonly rt: TestRealtime
  readonly model: Model
  readonly server = new FakeServer()
  state: RealtimeState
  inbox: Message[] = []
  history: Message[] = []
  /** Every op ever created, in creation order. */
  created: { opId: string; key: string }[] = []
  /** Answers the middleware would refuse as `unmatched_answer` (never dispatched). */
  unmatched = 0
  /** Late duplicate answers of ops recently confirmed: ignored by the middleware (never dispatched). */
  ignored = 0
  /**
   * Ops rolled back by a NACK that did not echo its delivery and answered an older one than the
   * latest. README: "Without the echo a NACK counts as the answer to the latest delivery; if an
   * ACK of another delivery follows, the rollback record gets appliedAfterAll": when that ACK (and
   * the broadcast) is lost, nobody can correct the record, so it is exempt from the truth check.
   */
  readonly blindNackRollbacks = new Set<string>()
  /** Ops rolled back while `queued` after a delivery (timed out, socket closed, retryable NACK): for the truth check's message. */
  readonly requeuedRollbacks = new Set<string>()
  keys: string[]
  private at = 1000
  private nextOp = 1

  constructor(
    readonly scenario: Pick<Scenario, 'strategy' | 'keys'>,
    readonly onStep: StepHook = () => {},
  ) {
    this.rt = realtimeFor(scenario.strategy)
    const mutation: Record<string, 'updateWidget' | 'renameWidget'> = {
      [this.rt.actions.updateWidget.type]: 'updateWidget',
      [this.rt.actions.renameWidget.type]: 'renameWidget',
    }
    this.model = new Model(scenario.strategy, { mutation, prefix: `${this.rt.reducerPath}/` })
    this.state = this.rt.reducer(undefined, { type: '@@init' })
    this.keys = KEYS.slice(0, scenario.keys)
    const seed: Update[] = this.keys.map((k) => {
      const value: Widget = { id: k, value: 0, title: 'a' }
      this.server.seed(k, 1, value)
      return { key: k, version: 1, value }
    })
    this.dispatch({ t: 'seed' }, this.updatesAction(seed))
  }

  /** The package's pending ops, through the public selectors (ops in doubt are not pending). */
  pendingOps() {
    return allOps(this.state)
  }
  /** Every op in the lanes, those in doubt included. */
  laneOps(): Op[] {
    return rawOps(this.state)
  }
  findOp(opId: string): Op | undefined {
    return this.laneOps().find((op) => op.opId === opId)
  }
  /** The op whose turn it is in a lane: the first one not `acked` (ops after an acked one may go at once). */
  head(key: number | string): Op | undefined {
    return rawLaneOf(this.state, typeof key === 'string' ? key : this.keys[key % this.keys.length]!).find((op) => op.status !== 'acked')
  }
  recordOf(opId: string) {
    return findLastRecord(this.state.optimistic.rollbacks, opId)
  }

  dispatch(cmd: Step['cmd'], action: UnknownAction): void {
    const before = this.state
    this.state = this.rt.reducer(before, action)
    this.model.reduce(action as { type: string; payload?: unknown })
    if (this.state.optimistic.rollbacks !== before.optimistic.rollbacks) this.noteRollbacks(before)
    this.onStep({ cmd, action, before, after: this.state, run: this })
  }

  /** Remembers the ops rolled back while queued for a resend of a delivery that got no answer. */
  private noteRollbacks(before: RealtimeState): void {
    const known = new Set(before.optimistic.rollbacks.map((r) => r.opId))
    for (const r of this.state.optimistic.rollbacks) {
      if (known.has(r.opId)) continue
      const op = rawOps(before).find((o) => o.opId === r.opId)
      if (op && op.status === 'queued' && op.attempts > 0) this.requeuedRollbacks.add(r.opId)
    }
  }

  updatesAction(updates: Update[]): UnknownAction {
    return this.rt.actions.entitiesUpdated({ updates: updates.map((u) => ({ collection: 'widgets', ...u })), at: this.at++ })
  }

  /** Writes the next delivery of the op whose turn it is in a lane, as the delivery loop would. */
  private send(cmd: Step['cmd'], op: Op): Op {
    this.dispatch(cmd, this.rt.actions.opsSent({ ops: [{ opId: op.opId, collection: 'widgets', key: op.key }], at: this.at++ }))
    return this.findOp(op.opId)!
  }

  /** Hands a delivery to the server as the socket would; what comes back goes into the inbox. */
  private serve(op: Op, outcome: SendOutcome, echo: boolean, bare: boolean): void {
    if (outcome === 'lost') return
    const { opId, key: k, attempts: attempt } = op
    const refuse = this.server.rejected.has(opId) || ((outcome === 'nackRetry' || outcome === 'nackFatal') && !this.server.applied.has(opId))
    if (refuse) {
      // A definite rejection is definite: every later delivery of that op is refused again.
      const retryable = !this.server.rejected.has(opId) && outcome === 'nackRetry'
      if (!retryable) this.server.rejected.add(opId)
      this.inbox.push({ kind: 'nack', opId, key: k, attempt, echo, reason: retryable ? 'busy' : 'invalid', retryable })
      return
    }
    const { ack, fresh } = this.server.receive({ opId, key: k, data: sentArgs(op) })
    if (fresh) this.inbox.push({ kind: 'update', update: { ...ack, opId } })
    if (outcome !== 'ackLost') this.inbox.push({ kind: 'ack', opId, attempt, echo, bare, ack })
  }

  /**
   * The op answers' link of the middleware: an answer naming an op in a lane (in doubt included)
   * or a rollback record still in the list becomes `opAcked`/`opNacked`; any other is refused.
   */
  private answer(m: Exclude<Message, { kind: 'update' }>, cmd: Step['cmd']): void {
    const op = this.findOp(m.opId)
    const target = op ?? this.recordOf(m.opId)
    if (!target) {
      // "One that names an op confirmed lately (optimistic.recentlyConfirmed) is a late duplicate
      // and is ignored"; any other is an `unmatched_answer`. Neither reaches the reducer.
      if (this.state.optimistic.recentlyConfirmed.includes(m.opId)) this.ignored++
      else this.unmatched++
      return
    }
    const echo = m.echo ? { attempt: m.attempt } : {}
    const ref = { opId: m.opId, collection: 'widgets', key: target.key }
    if (m.kind === 'ack') {
      const { version, value } = m.ack
      this.dispatch(cmd, this.rt.actions.opAcked({ ...ref, ...echo, version, ...(m.bare ? {} : { value }), hasValue: !m.bare, at: this.at++ }))
      return
    }
    this.dispatch(cmd, this.rt.actions.opNacked({ ...ref, ...echo, reason: m.reason, retryable: m.retryable, at: this.at++ }))
    if (op && !m.echo && m.attempt < op.attempts && !this.findOp(m.opId)) this.blindNackRollbacks.add(m.opId)
  }

  private deliver(messages: Message[], cmd: Step['cmd']): void {
    const updates: Update[] = []
    for (const m of messages) {
      this.history.push(m)
      if (m.kind === 'update') updates.push(m.update)
      else this.answer(m, cmd)
    }
    if (updates.length > 0) this.dispatch(cmd, this.updatesAction(coalesce(updates)))
  }

  private timeOut(cmd: Step['cmd'], op: Op, older = false): void {
    const attempt = older ? op.attempts - 1 : op.attempts
    if (attempt < 1) return
    this.dispatch(cmd, this.rt.actions.opTimedOut({ opId: op.opId, collection: 'widgets', key: op.key, attempt, at: this.at++ }))
  }

  exec(cmd: Cmd): void {
    switch (cmd.t) {
      case 'edit': {
        const k = this.keys[cmd.key % this.keys.length]!
        const created = cmd.field === 'value' ? this.rt.actions.updateWidget({ id: k, value: cmd.v }) : this.rt.actions.renameWidget({ id: k, title: titleOf(cmd.v) })
        const opId = `op${this.nextOp++}`
        this.created.push({ opId, key: k })
        return this.dispatch(cmd, { ...created, payload: { ...created.payload, opId } })
      }
      case 'send': {
        const head = this.head(cmd.key)
        if (!head || head.status !== 'queued') return
        return this.serve(this.send(cmd, head), cmd.outcome, cmd.echo ?? false, cmd.bare ?? false)
      }
      case 'retry': {
        const head = this.head(cmd.key)
        if (head?.status !== 'sent') return
        this.timeOut(cmd, head)
        return this.exec({ ...cmd, t: 'send' })
      }
      case 'inflight': {
        const head = this.head(cmd.key)
        if (!head || head.status !== 'queued') return
        this.exec({ ...cmd, t: 'send' })
        return this.exec({ ...cmd, t: 'race' })
      }
      case 'deliver': {
        if (this.inbox.length === 0) return
        const start = cmd.pick % this.inbox.length
        return this.deliver(this.inbox.splice(start, cmd.count), cmd)
      }
      case 'replay': {
        const old = this.history.filter((m) => m.kind !== 'nack')
        if (old.length > 0) this.deliver([old[cmd.pick % old.length]!], cmd)
        return
      }
      case 'remote': {
        const k = this.keys[cmd.key % this.keys.length]!
        const change = this.server.remote(k, cmd.field === 'value' ? { value: 10 + cmd.v } : { title: titleOf(cmd.v).toUpperCase() })
        this.inbox.push({ kind: 'update', update: change })
        return
      }
      case 'race': {
        const k = this.keys[cmd.key % this.keys.length]!
        const change = this.server.remote(k, cmd.field === 'value' ? { value: 20 + cmd.v } : { title: titleOf(cmd.v).repeat(2) })
        return this.deliver([{ kind: 'update', update: change }], cmd)
      }
      case 'timeout': {
        // The delivery loop times out the latest delivery of an op on the wire (in doubt or not).
        const sent = this.laneOps().filter((op) => op.status === 'sent' || op.status === 'doubt')
        if (sent.length === 0) return
        return this.timeOut(cmd, sent[cmd.pick % sent.length]!, cmd.older)
      }
      case 'rollback': {
        if (this.created.length === 0) return
        // A negative pick counts from the newest op (-1: the newest).
        const n = this.created.length
        const at = cmd.pick < 0 ? Math.max(0, n + cmd.pick) : cmd.pick % n
        return this.dispatch(cmd, this.rt.actions.rollback(this.created[at]!.opId))
      }
      case 'abandon': {
        const head = this.head(cmd.key)
        if (head?.status !== 'sent') return
        this.dispatch(cmd, this.rt.actions.rollback(head.opId))
        if (cmd.how === 'rollback') return this.dispatch(cmd, this.rt.actions.rollback(head.opId))
        return this.timeOut(cmd, head)
      }
      case 'confirm':
        return this.confirmByHand(cmd)
      case 'flaky': {
        // The op whose turn it is in a lane is sent and never answered, `times` times over.
        for (let i = 0; i < cmd.times; i++) {
          const head = this.head(cmd.key)
          if (!head || head.status !== 'queued') return
          this.timeOut(cmd, this.send(cmd, head))
        }
        return
      }
      case 'close': {
        // The delivery loop, on `connection/closed` (socket transport): what was on the wire is lost.
        this.dispatch(cmd, this.rt.actions.deliveriesLost({ reason: 'the socket closed', at: this.at++ }))
        // What was in flight is gone with the socket; the resync after reconnecting brings a snapshot.
        this.inbox = this.keys.map((k) => ({ kind: 'update', update: { key: k, ...this.server.entities[k]! } }))
        return
      }
    }
  }

  /**
   * The user settles an op by hand, truthfully: they delivered it over their own transport, so the
   * server applied it (once), or refused it for good (then they roll it back). For an op rolled
   * back meanwhile they say "applied" only when the server did apply it; for a confirmed op, a
   * late `confirm(opId)` must change nothing.
   */
  private confirmByHand(cmd: Extract<Cmd, { t: 'confirm' }>): void {
    if (this.created.length === 0) return
    const { opId } = this.created[cmd.pick % this.created.length]!
    const { confirm } = this.rt.actions
    const op = this.findOp(opId)
    if (!op) {
      const applied = this.server.applied.get(opId)
      if (!this.recordOf(opId)) return this.dispatch(cmd, confirm(opId)) // confirmed already
      if (!applied) return
      if (cmd.how === 'none') return this.dispatch(cmd, confirm(opId))
      return this.dispatch(cmd, confirm(opId, cmd.how === 'value' ? { version: applied.version, value: applied.value } : { version: applied.version }))
    }
    if (this.server.rejected.has(opId)) return this.dispatch(cmd, this.rt.actions.rollback(opId))
    const before = { ...this.server.entities[op.key]! }
    const { ack, fresh } = this.server.receive({ opId, key: op.key, data: sentArgs(op) })
    if (fresh) this.inbox.push({ kind: 'update', update: { ...ack, opId } })
    // confirm(opId) without anything says "the server applied it to what I hold as confirmed":
    // only a truthful user says that (else the client keeps a value the server never had).
    const held = entityOf(this.state, op.key)!
    const truthful = fresh && before.version + 1 === ack.version && ack.version === held.version + 1 && deepEqual(before.value, held.confirmed)
    if (cmd.how === 'version') return this.dispatch(cmd, confirm(opId, { version: ack.version }))
    return this.dispatch(cmd, cmd.how === 'value' || !truthful ? confirm(opId, { version: ack.version, value: ack.value }) : confirm(opId))
  }

  /** Lets everything finish: every op sent until answered, every message delivered. */
  settle(): void {
    const cmd = { t: 'settle' as const }
    for (let round = 0; round < 100; round++) {
      if (this.inbox.length > 0) this.deliver(this.inbox.splice(0, this.inbox.length), cmd)
      for (const op of this.laneOps()) if (op.status === 'sent' || op.status === 'doubt') this.timeOut(cmd, op)
      for (const k of this.keys) {
        const head = this.head(k)
        if (!head || head.status !== 'queued') continue
        this.serve(this.send(cmd, head), 'apply', round % 3 !== 2, round % 2 === 1)
      }
      if (this.inbox.length === 0 && this.laneOps().length === 0) return
    }
    throw new Error('settle: did not quiesce in 100 rounds')
  }
}

/** What the batcher does with a window of updates: one per key, highest version wins, opIds merged. */
export function coalesce(updates: Update[]): Update[] {
  const byKey = new Map<string, Update>()
  for (const u of updates) {
    const prev = byKey.get(u.key)
    const ids = [...(prev?.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])]
    const winner = !prev || u.version > prev.version ? u : prev
    const merged: Update = { key: winner.key, version: winner.version, value: winner.value }
    if (winner.opId !== undefined) merged.opId = winner.opId
    if (ids.length > 0) merged.opIds = [...new Set(ids)]
    byKey.set(u.key, merged)
  }
  return [...byKey.values()]
}

/** Runs a whole scenario (and settles it when asked). */
export function runScenario(scenario: Scenario, onStep?: StepHook, options: { settle?: boolean } = {}): Run {
  const run = new Run(scenario, onStep)
  for (const cmd of scenario.cmds) run.exec(cmd)
  if (options.settle) run.settle()
  return run
}

// ---------------------------------------------------------------------------------------------
// Reading the package's state

// Through the public selectors, so the tests do not depend on how the slice lays out its maps.
const selectors = () => realtimeFor('REMOTE_WINS').selectors // every instance here lives at `realtime`
const root = (state: RealtimeState) => ({ realtime: state })
export const entityOf = (state: RealtimeState, key: string) => selectors().selectEntityRecord(root(state), 'widgets', key)
export const laneOf = (state: RealtimeState, key: string) => selectors().selectPendingOpsFor(root(state), 'widgets', key)
export const allOps = (state: RealtimeState) => selectors().selectPendingOps(root(state))
export const hasPendingOps = (state: RealtimeState, key: string) => selectors().selectHasPendingOps(root(state), 'widgets', key)
export const opById = (state: RealtimeState, opId: string) => selectors().selectOpById(root(state), opId)

// Ops in doubt are in no selector: these read the documented maps (README "State"), whatever the bucket.
/** Every lane by name (`collection/key`), those holding only ops in doubt included. */
export function rawLanes(state: RealtimeState): Record<string, Op[]> {
  const lanes: Record<string, Op[]> = {}
  for (const bucket of Object.values(state.optimistic.lanes)) for (const [name, lane] of Object.entries(bucket)) lanes[name] = lane
  return lanes
}
export const rawLaneOf = (state: RealtimeState, key: string): Op[] => rawLanes(state)[`widgets/${key}`] ?? []
export const rawOps = (state: RealtimeState): Op[] => Object.values(rawLanes(state)).flat()
/** The op index: `opId -> { collection, key }`, and how many buckets it has (empty ones included). */
export function rawIndex(state: RealtimeState): { entries: Record<string, { collection: string; key: string }>; buckets: number; emptyBuckets: number } {
  const entries: Record<string, { collection: string; key: string }> = {}
  const buckets = Object.values(state.optimistic.index)
  for (const bucket of buckets) for (const [opId, at] of Object.entries(bucket)) entries[opId] = at
  return { entries, buckets: buckets.length, emptyBuckets: buckets.filter((b) => Object.keys(b).length === 0).length }
}
