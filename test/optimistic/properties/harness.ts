/**
 * Drives the package's reducer and the reference model side by side with the same actions,
 * made from abstract commands that fast-check generates (and shrinks). The fake server decides
 * what ACKs and broadcasts exist; an inbox of server messages in flight lets them arrive late,
 * out of order, twice, or never (a socket close drops them).
 */
import fc from 'fast-check'
import type { UnknownAction } from '@reduxjs/toolkit'
import { createRealtime } from '../../../src'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import { silentLogger } from '../../../src/world/logger'
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { widgetOptions } from '../../support/widgets'
import { FakeServer, type ServerAck } from './fakeServer'
import { Model, deepEqual, type Field, type Strategy, type Update, type Widget } from './model'

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
export type Cmd =
  | { t: 'edit'; key: number; field: Field; v: number }
  | { t: 'send'; key: number; outcome: SendOutcome }
  | { t: 'deliver'; pick: number; count: number }
  | { t: 'replay'; pick: number }
  | { t: 'remote'; key: number; field: Field; v: number }
  | { t: 'timeout'; pick: number }
  | { t: 'rollback'; pick: number }
  | { t: 'confirm'; pick: number; withValue: boolean }
  | { t: 'close' }
  | { t: 'flaky'; key: number; times: number }

const key = fc.nat({ max: KEYS.length - 1 })
const field = fc.constantFrom<Field>('value', 'title')
const pick = fc.nat({ max: 20 })
export const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('edit' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('send' as const), key, outcome: fc.constantFrom<SendOutcome>('apply', 'apply', 'apply', 'nackRetry', 'nackFatal', 'lost', 'ackLost') }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('deliver' as const), pick, count: fc.integer({ min: 1, max: 4 }) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('replay' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('remote' as const), key, field, v: fc.nat({ max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('timeout' as const), pick }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('rollback' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('confirm' as const), pick, withValue: fc.boolean() }), weight: 1 },
  { arbitrary: fc.constant({ t: 'close' as const }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('flaky' as const), key, times: fc.integer({ min: 1, max: 4 }) }), weight: 1 },
)
export const scenarioArb = (maxLength = 40) =>
  fc.record({ strategy: fc.constantFrom(...STRATEGIES), keys: fc.integer({ min: 2, max: 3 }), cmds: fc.array(cmdArb, { maxLength, size: 'max' }) })
export type Scenario = { strategy: Strategy; keys: number; cmds: Cmd[] }

// ---------------------------------------------------------------------------------------------
// The run

type Message =
  | { kind: 'ack'; opId: string; ack: ServerAck }
  | { kind: 'nack'; opId: string; key: string; reason: string; retryable: boolean }
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

  /** The package's pending ops: the harness plays the middleware, so it reads the real state. */
  pendingOps() {
    return allOps(this.state)
  }
  head(key: number | string) {
    return laneOf(this.state, typeof key === 'string' ? key : this.keys[key % this.keys.length]!)[0]
  }

  dispatch(cmd: Step['cmd'], action: UnknownAction): void {
    const before = this.state
    this.state = this.rt.reducer(before, action)
    this.model.reduce(action as { type: string; payload?: unknown })
    this.onStep({ cmd, action, before, after: this.state, run: this })
  }

  updatesAction(updates: Update[]): UnknownAction {
    return this.rt.actions.entitiesUpdated({ updates: updates.map((u) => ({ collection: 'widgets', ...u })), at: this.at++ })
  }

  /** Hands an op to the server as the socket would; what comes back goes into the inbox. */
  private serve(op: { opId: string; mutation: string; key: string; args: unknown }, outcome: SendOutcome): void {
    if (outcome === 'lost') return
    if ((outcome === 'nackRetry' || outcome === 'nackFatal') && !this.server.applied.has(op.opId)) {
      this.inbox.push({ kind: 'nack', opId: op.opId, key: op.key, reason: outcome === 'nackFatal' ? 'invalid' : 'busy', retryable: outcome === 'nackRetry' })
      return
    }
    const { ack, fresh } = this.server.receive(op)
    if (fresh) this.inbox.push({ kind: 'update', update: { ...ack, opId: op.opId } })
    if (outcome !== 'ackLost') this.inbox.push({ kind: 'ack', opId: op.opId, ack })
  }

  private deliver(messages: Message[], cmd: Step['cmd']): void {
    const updates: Update[] = []
    for (const m of messages) {
      this.history.push(m)
      if (m.kind === 'update') updates.push(m.update)
      else if (m.kind === 'ack') {
        const { key, version, value } = m.ack
        this.dispatch(cmd, this.rt.actions.opAcked({ opId: m.opId, collection: 'widgets', key, version, value, hasValue: true, at: this.at++ }))
      } else {
        this.dispatch(cmd, this.rt.actions.opNacked({ opId: m.opId, collection: 'widgets', key: m.key, reason: m.reason, retryable: m.retryable, at: this.at++ }))
      }
    }
    if (updates.length > 0) this.dispatch(cmd, this.updatesAction(coalesce(updates)))
  }

  exec(cmd: Cmd): void {
    const pending = this.pendingOps()
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
        this.dispatch(cmd, this.rt.actions.opsSent({ ops: [{ opId: head.opId, collection: 'widgets', key: head.key }], at: this.at++ }))
        return this.serve(head, cmd.outcome)
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
      case 'timeout': {
        const sent = pending.filter((op) => op.status === 'sent')
        if (sent.length === 0) return
        const op = sent[cmd.pick % sent.length]!
        return this.dispatch(cmd, this.rt.actions.opTimedOut({ opId: op.opId, collection: 'widgets', key: op.key, at: this.at++ }))
      }
      case 'rollback': {
        if (this.created.length === 0) return
        return this.dispatch(cmd, this.rt.actions.rollback(this.created[cmd.pick % this.created.length]!.opId))
      }
      case 'confirm': {
        if (this.created.length === 0) return
        const { opId } = this.created[cmd.pick % this.created.length]!
        const op = this.pendingOps().find((o) => o.opId === opId)
        if (!op) return this.dispatch(cmd, this.rt.actions.confirm(opId)) // late: must change nothing
        // The user delivered it over their own transport: the server applied it (once).
        const before = { ...this.server.entities[op.key]! }
        const { ack, fresh } = this.server.receive(op)
        if (fresh) this.inbox.push({ kind: 'update', update: { ...ack, opId } })
        // confirm(opId) without a value says "the server applied it to what I hold as confirmed":
        // only a truthful user says that (else the client keeps a value the server never had).
        const held = entityOf(this.state, op.key)!
        const truthful = fresh && before.version + 1 === ack.version && ack.version === held.version + 1 && deepEqual(before.value, held.confirmed)
        return this.dispatch(cmd, cmd.withValue || !truthful ? this.rt.actions.confirm(opId, { version: ack.version, value: ack.value }) : this.rt.actions.confirm(opId))
      }
      case 'flaky': {
        // The head of a lane is sent and never answered, `times` times over.
        for (let i = 0; i < cmd.times; i++) {
          this.exec({ t: 'send', key: cmd.key, outcome: 'lost' })
          const head = this.head(cmd.key)
          if (head?.status !== 'sent') return
          this.dispatch(cmd, this.rt.actions.opTimedOut({ opId: head.opId, collection: 'widgets', key: head.key, at: this.at++ }))
        }
        return
      }
      case 'close': {
        this.dispatch(cmd, this.rt.actions.closed({ close: { code: 1006, reason: '', wasClean: false }, byUser: false }))
        // What was in flight is gone with the socket; the resync after reconnecting brings a snapshot.
        this.inbox = this.keys.map((k) => ({ kind: 'update', update: { key: k, ...this.server.entities[k]! } }))
        return
      }
    }
  }

  /** Lets everything finish: every op sent until answered, every message delivered. */
  settle(): void {
    const cmd = { t: 'settle' as const }
    for (let round = 0; round < 100; round++) {
      if (this.inbox.length > 0) this.deliver(this.inbox.splice(0, this.inbox.length), cmd)
      for (const op of this.pendingOps()) {
        if (op.status === 'sent') this.dispatch(cmd, this.rt.actions.opTimedOut({ opId: op.opId, collection: 'widgets', key: op.key, at: this.at++ }))
      }
      for (const k of this.keys) {
        const head = this.head(k)
        if (!head || head.status !== 'queued') continue
        this.dispatch(cmd, this.rt.actions.opsSent({ ops: [{ opId: head.opId, collection: 'widgets', key: head.key }], at: this.at++ }))
        this.serve(head, 'apply')
      }
      if (this.inbox.length === 0 && this.pendingOps().length === 0) return
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
