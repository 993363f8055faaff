/**
 * End to end against a rude server (issue 6; the behaviour checked is notes/issue6-spec.md).
 *
 * A real store (`createWidgetStore`: reducer, middleware, sagas, batcher) over a socket, under fake
 * timers, against ./rudeServer.ts: a server that keeps the README's promises (versions +1 per
 * change, ops applied at most once per opId, replays get the stored ACK, every change broadcast
 * with `seq` and its opId) and is otherwise as rude as real servers are: late, out of order,
 * duplicated, value-less, wrong; NACKs of old deliveries, with and without `attempt`; answers and
 * sockets dropped; other users editing. Each run picks a conflict strategy, a transport (frames,
 * `BATCH` frames, `outbound.onUpdate`) and an inbound BATCH_MODE.
 *
 * Nothing is dispatched by hand but the user's mutations: every answer and update reaches the
 * client as a frame on the socket (socket → codec → batcher → reducer).
 *
 * After every step:
 * - `confirmed` at `version` is what the server had at that version; views are rebased (invariant 1);
 * - never two op frames of one key unanswered on the wire (invariant 5), unless the client may
 *   have given up on the earlier one: it timed out, died with its socket, its op was confirmed or
 *   rolled back with `reason.inDoubt`;
 * - a frame carries none of its op's MERGE-protected fields ("MERGE sends what it shows");
 * - a rollback record only for a pending op, once; a wrong answer about a pending op is
 *   `messageRejected` (`invalid_answer`) and confirms nothing; no logger.error, no console.error/warn.
 * After the run settles (the server stops being rude, answers everything, releases what it holds,
 * time passes every timeout until nothing is pending, then a resync snapshot):
 * - every view equals the server's entity; nothing pending;
 * - the server applied every op at most once; every op that left the state without a rollback
 *   record was applied exactly once; every rollback record is true (the server did not apply the
 *   op, unless the record says `appliedAfterAll` or `reason.inDoubt`);
 * - ops of one key first reached the server in creation order.
 * A second property checks the bookkeeping of issue 6 on the same runs: op frames numbered by
 * `attempt`; no answer arrives as a generic `messageReceived`; `optimistic.index` lists exactly
 * the pending ops after every step (so it is empty once settled).
 *
 * `RUDE_RUNS=20000` hunts harder (default and minimum 300); `RUDE_SEED` replays a seed.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, it, vi } from 'vitest'
import type { RealtimeState } from '../../../src/createRealtimeReducer'
import type { Logger } from '../../../src/world/logger'
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore } from '../../support/widgets'
import { check, expectRebased } from './checks'
import { entityOf } from './harness'
import { deepEqual, type Field, type Strategy } from './model'
import { KEYS, RudeServer, WireSocket, patchOf, type Answer, type Delivery, type Junk, type SendOptions, type Transport } from './rudeServer'

const RUNS = Math.max(300, Number(process.env.RUDE_RUNS ?? 300))
/** optimistic.TIMEOUT of the runs. */
const TIMEOUT = 1000
/** updates.BATCH_DELAY: the inbound batch window, and the outbound window of `batch`/`onUpdate`. */
const WINDOW = 50
const MAX_COMMANDS = 50

// ---------------------------------------------------------------------------------------------
// Commands

type BatchMode = 'auto' | 'window' | 'off'
type Cmd =
  /** The user edits: updateWidget (sets value) or renameWidget (sets title). */
  | { t: 'edit'; key: number; field: Field; v: number }
  /** The server takes the `pick`-th delivery waiting in its inbox and answers it so. */
  | ({ t: 'serve'; pick: number; answer: Answer } & SendOptions)
  /** The server lets the `pick`-th frame it holds go. */
  | { t: 'release'; pick: number }
  /** Another user edits. */
  | ({ t: 'remote'; key: number; field: Field; v: number } & Pick<SendOptions, 'late' | 'twice'>)
  /** A wrong ACK about the `pick`-th delivery the server ever received. */
  | { t: 'junk'; pick: number; kind: Junk }
  | { t: 'wait'; ms: number }
  /** Time passes optimistic.TIMEOUT. */
  | { t: 'timeout' }
  /** The server drops the socket; it accepts the client's reconnect (backoff, fake time) after `downFor` more commands. */
  | { t: 'drop'; serverRead: boolean; downFor: number }

interface Scenario {
  strategy: Strategy
  transport: Transport
  batchMode: BatchMode
  cmds: Cmd[]
}

const key = fc.nat({ max: KEYS.length - 1 })
const field = fc.constantFrom<Field>('value', 'title')
const pick = fc.nat({ max: 7 })
const rarely = fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 })
const answer = fc.constantFrom<Answer>('ack', 'ack', 'ackBare', 'ackBare', 'nack', 'reject', 'dropAnswer', 'lost')
const junk = fc.constantFrom<Junk>('otherKey', 'notAnEntity', 'idMismatch', 'badVersion', 'futureAttempt')
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('edit' as const), key, field, v: fc.nat({ max: 3 }) }) },
  { weight: 7, arbitrary: fc.record({ t: fc.constant('serve' as const), pick, answer, echo: fc.boolean(), ackFirst: fc.boolean(), late: rarely, twice: rarely }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('release' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('remote' as const), key, field, v: fc.nat({ max: 3 }), late: rarely, twice: rarely }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('junk' as const), pick, kind: junk }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('wait' as const), ms: fc.constantFrom(0, WINDOW + 10, 300) }) },
  { weight: 2, arbitrary: fc.constant({ t: 'timeout' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('drop' as const), serverRead: fc.boolean(), downFor: fc.nat({ max: 3 }) }) },
)
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  strategy: fc.constantFrom<Strategy>('REMOTE_WINS', 'LOCAL_WINS', 'MERGE'),
  transport: fc.constantFrom<Transport>('socket', 'socket', 'batch', 'onUpdate'),
  batchMode: fc.constantFrom<BatchMode>('auto', 'window', 'off'),
  cmds: fc.array(cmdArb, { maxLength: MAX_COMMANDS, size: 'max' }),
})

const titleOf = (v: number) => 'abcd'[v]!
const flags = (c: Partial<SendOptions>) =>
  [c.echo === false ? 'no-echo' : '', c.ackFirst ? 'ACK-first' : '', c.late ? 'late' : '', c.twice ? 'twice' : ''].filter(Boolean).join(' ')
function describeCmd(c: Cmd): string {
  switch (c.t) {
    case 'edit': return `edit ${KEYS[c.key]} ${c.field}=${c.field === 'value' ? c.v : titleOf(c.v)}`
    case 'serve': return `serve inbox[${c.pick}] ${c.answer} ${flags(c)}`
    case 'release': return `release held[${c.pick}]`
    case 'remote': return `remote ${KEYS[c.key]} ${c.field}=${c.field === 'value' ? 10 + c.v : titleOf(c.v).toUpperCase()} ${flags(c)}`
    case 'junk': return `junk ACK (${c.kind}) about delivery[${c.pick}]`
    case 'wait': return `wait ${c.ms} ms`
    case 'timeout': return `wait ${TIMEOUT + 100} ms (past optimistic.TIMEOUT)`
    case 'drop': return `drop socket${c.serverRead ? ' (server read first)' : ''}, down for ${c.downFor} commands`
  }
}
const describeScenario = (s: Scenario) =>
  [`strategy ${s.strategy}, transport ${s.transport}, BATCH_MODE ${s.batchMode}`, ...s.cmds.map((c, i) => `  ${i + 1}. ${describeCmd(c)}`)].join('\n')

/** Bugs of issue 6 (numbered as in the issue) this file found on the code before the change, replayed first. */
const S = { echo: true, ackFirst: false, late: false, twice: false }
const REGRESSIONS: Scenario[] = [
  // Found by this property: op2's resend waits in the onUpdate window when the ACK of its first
  // delivery (no value, v4 over an unseen v3) makes it acked; op3 goes out, and so did op2's resend.
  { strategy: 'REMOTE_WINS', transport: 'onUpdate', batchMode: 'window', cmds: [
    { t: 'edit', key: 1, field: 'value', v: 0 },
    { t: 'edit', key: 1, field: 'value', v: 0 },
    { t: 'wait', ms: 60 },
    { t: 'serve', pick: 0, answer: 'ack', echo: false, ackFirst: false, late: false, twice: false },
    { t: 'timeout' },
    { t: 'remote', key: 1, field: 'value', v: 0, late: false, twice: true },
    { t: 'serve', pick: 0, answer: 'ackBare', echo: false, ackFirst: false, late: false, twice: false },
    { t: 'edit', key: 1, field: 'value', v: 0 }] },
  // Found by this property: op1 applied, its answers lost with the socket; resent on the new
  // socket, the resync snapshot (no opId) rolls it back as a REMOTE_WINS conflict in doubt; the
  // resend is lost too. The record must not claim the server did not apply it.
  { strategy: 'REMOTE_WINS', transport: 'socket', batchMode: 'off', cmds: [
    { t: 'edit', key: 0, field: 'value', v: 0 },
    { t: 'serve', pick: 0, answer: 'ack', echo: false, ackFirst: false, late: true, twice: true },
    { t: 'drop', serverRead: false, downFor: 0 },
    { t: 'serve', pick: 0, answer: 'lost', echo: false, ackFirst: false, late: true, twice: true }] },
  // 1: a value-less ACK at v3 while v2 waits in the batch window: applied to v1, held as v3.
  { strategy: 'LOCAL_WINS', transport: 'socket', batchMode: 'window', cmds: [
    { t: 'edit', key: 0, field: 'title', v: 1 },
    { t: 'remote', key: 0, field: 'value', v: 0, late: false, twice: false },
    { t: 'serve', pick: 0, answer: 'ackBare', ...S, ackFirst: true }] },
  // 2: REMOTE_WINS rolls back op1 while its delivery is on the wire; op2 goes out beside it.
  { strategy: 'REMOTE_WINS', transport: 'socket', batchMode: 'window', cmds: [
    { t: 'edit', key: 0, field: 'value', v: 1 },
    { t: 'remote', key: 0, field: 'title', v: 0, late: false, twice: false },
    { t: 'wait', ms: WINDOW + 10 },
    { t: 'edit', key: 0, field: 'value', v: 2 }] },
  // 3: onUpdate: a socket close re-queued the op handed over, and nothing sent it again (stuck queued).
  { strategy: 'LOCAL_WINS', transport: 'onUpdate', batchMode: 'window', cmds: [
    { t: 'edit', key: 0, field: 'value', v: 1 },
    { t: 'wait', ms: WINDOW + 10 },
    { t: 'serve', pick: 0, answer: 'lost', ...S },
    { t: 'drop', serverRead: false, downFor: 0 }] },
  // 4: MERGE gave `value` to the remote side; the resend still carries the local value.
  { strategy: 'MERGE', transport: 'socket', batchMode: 'window', cmds: [
    { t: 'edit', key: 0, field: 'value', v: 1 },
    { t: 'remote', key: 0, field: 'value', v: 0, late: false, twice: false },
    { t: 'wait', ms: WINDOW + 10 },
    { t: 'timeout' }] },
  // 5: a NACK of delivery 1 after delivery 2 went out: rolled back `rejected`, then delivery 2 is applied.
  { strategy: 'LOCAL_WINS', transport: 'socket', batchMode: 'window', cmds: [
    { t: 'edit', key: 0, field: 'value', v: 1 },
    { t: 'timeout' },
    { t: 'serve', pick: 0, answer: 'reject', ...S }] },
  // 5: a duplicate retryable NACK of delivery 1 sends delivery 3 while delivery 2 is on the wire.
  { strategy: 'LOCAL_WINS', transport: 'socket', batchMode: 'window', cmds: [
    { t: 'edit', key: 0, field: 'value', v: 1 },
    { t: 'serve', pick: 0, answer: 'nack', ...S, twice: true },
    { t: 'release', pick: 0 }] },
  // Retries spent by timeouts: the record must say in doubt; the late ACKs must say applied after all.
  { strategy: 'LOCAL_WINS', transport: 'socket', batchMode: 'window', cmds: [
    { t: 'edit', key: 0, field: 'value', v: 1 }, { t: 'timeout' }, { t: 'timeout' }, { t: 'timeout' }, { t: 'timeout' }] },
  // 8: an ACK naming another key confirms the op with the other entity.
  { strategy: 'LOCAL_WINS', transport: 'socket', batchMode: 'window', cmds: [{ t: 'edit', key: 1, field: 'value', v: 1 }, { t: 'junk', pick: 0, kind: 'otherKey' }] },
  // 9: an ACK whose value is 42 becomes the entity.
  { strategy: 'LOCAL_WINS', transport: 'socket', batchMode: 'window', cmds: [{ t: 'edit', key: 1, field: 'value', v: 1 }, { t: 'junk', pick: 0, kind: 'notAnEntity' }] },
]
const BOOKKEEPING_REGRESSIONS: Scenario[] = [
  // 10: a duplicate ACK of a confirmed op arrives as a generic messageReceived.
  { strategy: 'LOCAL_WINS', transport: 'socket', batchMode: 'off', cmds: [{ t: 'edit', key: 1, field: 'value', v: 1 }, { t: 'serve', pick: 0, answer: 'ack', ...S, twice: true }] },
]

// ---------------------------------------------------------------------------------------------
// What the client did, seen from outside: every store notification

interface RollbackRecord {
  opId: string
  reason: { code: string; message: string; inDoubt?: boolean }
  appliedAfterAll?: boolean
}
interface OpLike {
  opId: string
  status: string
  attempts: number
  protectedFields?: string[]
}

/** Follows the ops through the store's notifications: which left confirmed, which rolled back. */
class ClientLedger {
  pending = new Set<string>()
  readonly confirmed = new Set<string>()
  /** The latest version of every rollback record seen (the state keeps only the last 50). */
  readonly rollbacks = new Map<string, RollbackRecord>()
  /** protectedFields of an op when it was marked sent, by `opId#attempts`. */
  readonly protectedAtSend = new Map<string, readonly string[]>()
  readonly violations: string[] = []
  private last: unknown

  observe(state: RealtimeState, ops: readonly OpLike[]): void {
    if (state.optimistic === this.last) return
    this.last = state.optimistic
    const now = new Set<string>()
    for (const op of ops) {
      now.add(op.opId)
      const delivery = `${op.opId}#${op.attempts}`
      if (op.status === 'sent' && !this.protectedAtSend.has(delivery)) this.protectedAtSend.set(delivery, op.protectedFields ?? [])
    }
    const records = state.optimistic.rollbacks as unknown as RollbackRecord[]
    const perOp = new Map<string, number>()
    for (const r of records) perOp.set(r.opId, (perOp.get(r.opId) ?? 0) + 1)
    for (const [opId, n] of perOp) if (n > 1) this.violations.push(`${opId} was rolled back ${n} times`)
    for (const r of records) {
      if (!this.rollbacks.has(r.opId) && !this.pending.has(r.opId)) {
        this.violations.push(`a rollback record for ${r.opId}, which was not pending (${this.confirmed.has(r.opId) ? 'it had been confirmed' : 'unknown op'}): ${JSON.stringify(r.reason)}`)
      }
      this.rollbacks.set(r.opId, r)
    }
    // An op that left the state without a rollback record was confirmed.
    for (const opId of this.pending) if (!now.has(opId) && !perOp.has(opId)) this.confirmed.add(opId)
    this.pending = now
  }

  inDoubt(opId: string): boolean {
    return this.rollbacks.get(opId)?.reason.inDoubt === true
  }
}

// ---------------------------------------------------------------------------------------------
// The run

/**
 * One run. `behaviour` checks everything but the bookkeeping; `bookkeeping` checks only that, so
 * that each property shrinks to a counterexample of its own kind.
 */
async function runRude(s: Scenario, focus: 'behaviour' | 'bookkeeping'): Promise<void> {
  FakeWebSocket.reset()
  const start = Date.now()
  const server = new RudeServer(() => Date.now() - start)
  WireSocket.server = server
  // logger.error (a crashed saga says so there) fails the run; warnings go to the trace.
  const errors: string[] = []
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message) => server.log(`client logger.warn: ${message}`),
    error: (message) => void errors.push(message),
  }
  let nextOp = 0
  const t = createWidgetStore({
    WebSocket: WireSocket,
    logger,
    generateId: () => `op${++nextOp}`,
    ...(s.transport === 'batch' ? { outbound: { batch: true } } : {}),
    ...(s.transport === 'onUpdate' ? { outbound: { onUpdate: (batch: readonly unknown[]) => server.handedOver(batch) } } : {}),
    config: {
      optimistic: { CONFLICT_RESOLUTION: s.strategy, TIMEOUT },
      websocket: { RECONNECT_DELAY: 100, RECONNECT_MAX_DELAY: 400, RECONNECT_ATTEMPTS: 1000 },
      updates: { BATCH_DELAY: WINDOW, BATCH_MODE: s.batchMode },
    },
  })
  const state = () => t.store.getState().realtime
  const ledger = new ClientLedger()
  const observe = () => ledger.observe(state(), t.ops())
  const unsubscribe = t.store.subscribe(observe)
  // BATCH frames and onUpdate batches leave up to one window after their ops were marked sent.
  const slack = s.transport === 'socket' ? 0 : WINDOW
  server.clientAttempts = (opId) => t.ops().find((op) => op.opId === opId)?.attempts
  server.onDelivery = (d) => checkDelivery(d, server, ledger, slack)

  const tick = async (ms = 0) => {
    await vi.advanceTimersByTimeAsync(ms)
    server.answerPings()
    if (focus === 'behaviour') checkStep(state(), server, ledger, errors)
    else checkIndex(state())
  }
  let downFor = -1
  const reconnect = async () => {
    for (let waited = 0; ; waited += WINDOW) {
      check(waited < 60_000, 'the client reconnects within a minute')
      const socket = FakeWebSocket.instances.at(-1)
      if (socket && socket.readyState === FakeWebSocket.CONNECTING && !socket.closedByClient) {
        server.open(socket)
        break
      }
      await tick(WINDOW)
    }
    downFor = -1
    await tick()
  }

  try {
    await tick()
    await reconnect()
    await tick(WINDOW + 10)
    observe()

    for (const cmd of s.cmds) {
      server.log(`— ${describeCmd(cmd)}`)
      switch (cmd.t) {
        case 'edit': {
          const id = KEYS[cmd.key]!
          const { updateWidget, renameWidget } = t.realtime.actions
          t.store.dispatch(cmd.field === 'value' ? updateWidget({ id, value: cmd.v }) : renameWidget({ id, title: titleOf(cmd.v) }))
          break
        }
        case 'serve':
          server.serve(cmd.pick, cmd.answer, cmd)
          break
        case 'release':
          server.release(cmd.pick)
          break
        case 'remote':
          server.remote(KEYS[cmd.key]!, cmd.field === 'value' ? { value: 10 + cmd.v } : { title: titleOf(cmd.v).toUpperCase() }, { ...cmd, echo: true })
          break
        case 'junk': {
          // An answer that names a pending op but does not fit it is `invalid_answer`, and the op stays.
          const target = server.junkTarget(cmd.pick)
          const wasPending = t.ops().some((op) => op.opId === target)
          const seenBefore = t.seen.length
          server.junk(cmd.pick, cmd.kind)
          await tick()
          if (!wasPending || focus !== 'behaviour') break
          const rejected = t.seen.slice(seenBefore).some((a) => a.type === 'realtime/connection/messageRejected' && (a.payload as { code?: string }).code === 'invalid_answer')
          const confirmed = ledger.confirmed.has(target!)
          check(rejected && !confirmed, () => `a wrong ACK (${cmd.kind}) for the pending ${target} was ${confirmed ? 'taken as its confirmation' : 'not reported as messageRejected invalid_answer'}`)
          break
        }
        case 'wait':
          await tick(cmd.ms)
          break
        case 'timeout':
          await tick(TIMEOUT + 100)
          break
        case 'drop':
          if (downFor < 0) {
            server.drop(cmd.serverRead)
            downFor = cmd.downFor
          }
          break
      }
      await tick()
      if (downFor >= 0 && downFor-- === 0) await reconnect()
      // The client closed its socket itself (it should not: pings are answered): let it back in.
      else if (downFor < 0 && !server.up) await reconnect()
    }

    // Settle: the server stops being rude; silent ops time out and go again until none is pending
    // and none waits in doubt for an answer (the lanes are empty).
    server.log('— settle')
    for (let round = 0; ; round++) {
      if (!server.up) await reconnect()
      for (let i = 0; server.inbox.length > 0 || server.held.length > 0; i++) {
        check(i < 200, 'the client stops sending while the server answers everything')
        server.answerEverything()
        await tick(WINDOW + 10)
      }
      if (Object.keys(t.optimistic().lanes).length === 0 || (round === 20 && focus === 'bookkeeping')) break
      check(round < 20, () => `settles within 20 timeouts (invariant 4: nothing stuck); still in the lanes: ${JSON.stringify(t.optimistic().lanes)}`)
      await tick(TIMEOUT + 100)
    }
    server.log('— final resync')
    server.snapshot()
    await tick(WINDOW + 10)

    if (focus === 'behaviour') checkBehaviour(server, ledger, state(), (k) => t.record(k))
    else checkBookkeeping(server, state(), t.seen)
  } catch (error) {
    const trace = server.trace.slice(-150).join('\n    ')
    throw new Error(`${(error as Error).message}\n\n${describeScenario(s)}\n\n  trace (last 150 lines):\n    ${trace}`, { cause: error })
  } finally {
    unsubscribe()
    WireSocket.server = null
    vi.clearAllTimers() // the run's sagas wait forever on timers that never fire
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

/**
 * When the client writes an op frame (invariant 5, and "MERGE sends what it shows"):
 * - no earlier op frame of the key is unanswered on the wire, unless the client may have given up
 *   on it: it is older than optimistic.TIMEOUT, died with its socket, its op was confirmed (a late
 *   copy may still leave a batch window) or rolled back with `reason.inDoubt`;
 * - the frame carries none of the fields the op's MERGE protected when it was marked sent.
 * Violations are collected here (this runs inside the client's send) and thrown by `checkStep`.
 */
function checkDelivery(d: Delivery, server: RudeServer, ledger: ClientLedger, slack: number): void {
  for (const f of server.deliveries) {
    if (f === d || f.key !== d.key || f.settled || d.at - f.at >= TIMEOUT - slack) continue
    if (ledger.confirmed.has(f.opId) || ledger.inDoubt(f.opId)) continue
    const rollback = ledger.rollbacks.get(f.opId)
    ledger.violations.push(
      `two op frames of ${d.key} unanswered on the wire: ${f.opId} delivery ${f.attempt} (written at t=${f.at}, no answer reached the client) and now ${d.opId} delivery ${d.attempt}` +
        (rollback ? ` (${f.opId} was rolled back: ${JSON.stringify(rollback.reason)})` : ''),
    )
  }
  const protectedFields = ledger.protectedAtSend.get(`${d.opId}#${d.attempt}`) ?? []
  const leaked = protectedFields.filter((f) => Object.hasOwn(patchOf(d.data), f))
  if (leaked.length > 0) {
    ledger.violations.push(`MERGE sends what it shows: ${d.opId} delivery ${d.attempt} carries ${leaked.join(', ')}, which the merge gave to the remote side: ${JSON.stringify(d.data)}`)
  }
}

/** Where the spec keeps op locations: `optimistic.index[bucket][opId] = { collection, key }` (not in the types yet). */
function opIndexOf(state: RealtimeState): Map<string, { collection: string; key: string }> | undefined {
  const index = (state.optimistic as { index?: Record<string, Record<string, { collection: string; key: string }>> }).index
  if (index === undefined) return undefined
  const flat = new Map<string, { collection: string; key: string }>()
  for (const bucket of Object.values(index)) for (const [opId, at] of Object.entries(bucket)) flat.set(opId, at)
  return flat
}

/** After every step. */
function checkStep(state: RealtimeState, server: RudeServer, ledger: ClientLedger, errors: string[]): void {
  check(ledger.violations.length === 0, () => ledger.violations[0]!)
  check(errors.length === 0, () => `the package logged an error: ${errors[0]}`)
  // `confirmed` is the server's value at `version` (README "State"), whatever arrives late, twice,
  // value-less or wrong: never a value the server did not have at that version.
  for (const key of KEYS) {
    const held = entityOf(state, key)
    if (!held || held.version === 0) continue
    const history = server.core.history.get(key)!
    check(
      history.has(held.version) && deepEqual(held.confirmed, history.get(held.version)),
      () => `${key}: the client holds ${JSON.stringify(held.confirmed)} as confirmed at version ${held.version}; the server had ${history.has(held.version) ? JSON.stringify(history.get(held.version)) : 'no such version'}`,
    )
  }
  expectRebased(state, KEYS)
}

/**
 * One owner of op locations, kept by the reducer in the same step as the lanes: the index lists
 * exactly the ops of the lanes (the pending ones and those in `doubt`, which hold their lane's
 * turn), each where it lives. After every step of a bookkeeping run.
 */
function checkIndex(state: RealtimeState): void {
  const index = opIndexOf(state)
  check(index !== undefined, 'state.realtime.optimistic.index exists (one owner of op locations)')
  const ops = Object.values(state.optimistic.lanes).flatMap((bucket) => Object.values(bucket).flat())
  check(
    index.size === ops.length && ops.every((op) => index.get(op.opId)?.collection === op.collection && index.get(op.opId)?.key === op.key),
    () => `optimistic.index ${JSON.stringify([...index])} does not list exactly the ops of the lanes ${JSON.stringify(ops.map((op) => [op.opId, op.key, op.status]))}`,
  )
}

/** After the run settled. */
function checkBehaviour(server: RudeServer, ledger: ClientLedger, state: RealtimeState, record: (key: string) => unknown): void {
  const { core } = server
  const history = (opId: string) => {
    const deliveries = server.deliveries.filter((d) => d.opId === opId).map((d) => `#${d.attempt}`)
    const told = server.toldApplied.has(opId) ? 'an ACK or broadcast of it reached the client' : 'no ACK or broadcast of it reached the client'
    return `deliveries received: ${deliveries.join(', ') || 'none'}; applied ${core.applyCount.get(opId) ?? 0} times; ${told}`
  }
  check(state.optimistic.count === 0, () => `nothing pending after settling: ${state.optimistic.count} ops`)
  // Invariant 0.
  for (const key of KEYS) {
    const truth = core.entities[key]!
    const expected = { confirmed: truth.value, version: truth.version, view: truth.value }
    check(deepEqual(record(key), expected), () => `${key} converged to the server: client ${JSON.stringify(record(key))}, server ${JSON.stringify(expected)}`)
  }
  // Invariants 5 and 2: applied at most once; a confirmation is a true one.
  for (const [opId, n] of core.applyCount) check(n <= 1, () => `${opId} applied ${n} times`)
  for (const opId of ledger.confirmed) {
    check(core.applyCount.get(opId) === 1, () => `${opId} left the state confirmed (no rollback record) but the server did not apply it: ${history(opId)}`)
  }
  // A rollback record is true: the server did not apply the op, unless the record says otherwise.
  for (const r of ledger.rollbacks.values()) {
    if (!core.applyCount.get(r.opId) || r.appliedAfterAll === true || r.reason.inDoubt === true) continue
    check(false, `the rollback of ${r.opId} (${r.reason.code}: ${r.reason.message}) is false: the server applied it, and the record has neither appliedAfterAll nor reason.inDoubt; ${history(r.opId)}`)
  }
  // Ops of one key first reach the server in creation order (opIds are minted op1, op2, …).
  for (const key of KEYS) {
    const firsts = [...new Set(server.deliveries.filter((d) => d.key === key).map((d) => Number(d.opId.slice(2))))]
    check(firsts.every((n, i) => i === 0 || n > firsts[i - 1]!), () => `ops on ${key} first reached the server in the order ${firsts.map((n) => `op${n}`).join(', ')}, not creation order`)
  }
}

/** The bookkeeping of issue 6, after the run settled. */
function checkBookkeeping(server: RudeServer, state: RealtimeState, seen: readonly { type: string; payload?: unknown }[]): void {
  for (const opId of new Set(server.deliveries.map((d) => d.opId))) {
    const attempts = server.deliveries.filter((d) => d.opId === opId).map((d) => d.frameAttempt)
    check(
      attempts.every((a, i) => Number.isInteger(a) && (a as number) > 0 && (i === 0 || (a as number) > (attempts[i - 1] as number))),
      () => `the op frames of ${opId} carry attempt ${attempts.map((a) => JSON.stringify(a)).join(', ')} (the spec: 1, 2, … per delivery)`,
    )
  }
  const stray = seen.find((a) => a.type === 'realtime/connection/messageReceived' && ['ACK', 'NACK'].includes((a.payload as { type?: string }).type ?? ''))
  check(!stray, () => `an answer arrived as a generic messageReceived (the spec: it settles an op, or is messageRejected): ${JSON.stringify(stray?.payload)}`)
  // Settled: nothing pending (else the behaviour property says why), so the index is empty.
  checkIndex(state)
}

// ---------------------------------------------------------------------------------------------

let consoleCalls: string[] = []
let restoreConsole = () => {}
beforeEach(() => {
  vi.useFakeTimers()
  // The suite's setup fails the test on console.error/warn once it ends; noticing them per run
  // lets fast-check shrink to the run that caused them.
  const { error, warn } = console
  consoleCalls = []
  console.error = (...args: unknown[]) => {
    consoleCalls.push(args.map(String).join(' '))
    error(...args)
  }
  console.warn = (...args: unknown[]) => {
    consoleCalls.push(args.map(String).join(' '))
    warn(...args)
  }
  restoreConsole = () => Object.assign(console, { error, warn })
})
afterEach(() => {
  restoreConsole()
  vi.clearAllTimers()
  vi.useRealTimers()
})

const property = (focus: 'behaviour' | 'bookkeeping') =>
  fc.asyncProperty(scenarioArb, async (scenario) => {
    const before = consoleCalls.length
    await runRude(scenario, focus)
    check(consoleCalls.length === before, () => `console.error/warn was called: ${consoleCalls[before]}\n\n${describeScenario(scenario)}`)
  })
const seed = process.env.RUDE_SEED ? { seed: Number(process.env.RUDE_SEED) } : {}

describe('optimistic core end to end against a rude server (store + socket + fake timers)', () => {
  it('converges; applies every op at most once; confirms only applied ops; every rollback record is true; one frame per key on the wire', async () => {
    await fc.assert(property('behaviour'), { numRuns: RUNS, examples: REGRESSIONS.map((scenario) => [scenario] as [Scenario]), ...seed })
  }, Math.max(300_000, RUNS * 100))

  it('bookkeeping: op frames carry their attempt, answers never arrive as messageReceived, optimistic.index lists the pending ops', async () => {
    await fc.assert(property('bookkeeping'), { numRuns: RUNS, examples: BOOKKEEPING_REGRESSIONS.map((scenario) => [scenario] as [Scenario]), ...seed })
  }, Math.max(300_000, RUNS * 100))
})
