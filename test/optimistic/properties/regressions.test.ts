/**
 * The counterexamples the properties found, pinned as plain tests (and as `examples` of the
 * properties, see ./counterexamples.ts) so a regression fails every run, not one in a few hundred.
 * Each drives the reducer the way the harness does (the harness plays the middleware).
 */
import { describe, expect, it, vi } from 'vitest'
import { FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore } from '../../support/widgets'
import { Run, entityOf, laneOf, rawLaneOf, runScenario } from './harness'

const ref = { opId: 'op1', collection: 'widgets', key: 'w-1' }

describe('optimistic core: regressions found by the properties', () => {
  it('a retryable NACK after the last allowed delivery rolls back with `retries_exhausted`, like a timeout', () => {
    for (const earlier of ['timeouts', 'nacks'] as const) {
      for (const last of ['nack', 'timeout'] as const) {
        const run = new Run({ strategy: 'REMOTE_WINS', keys: 2 })
        run.exec({ t: 'edit', key: 0, field: 'value', v: 5 })
        const { actions } = run.rt
        for (let delivery = 1; delivery <= 4; delivery++) {
          run.dispatch({ t: 'seed' }, actions.opsSent({ ops: [ref], at: delivery }))
          const timeout = delivery < 4 ? earlier === 'timeouts' : last === 'timeout'
          if (timeout) run.dispatch({ t: 'seed' }, actions.opTimedOut({ ...ref, attempt: delivery, at: delivery }))
          else run.dispatch({ t: 'seed' }, actions.opNacked({ ...ref, reason: 'busy', retryable: true, at: delivery }))
        }
        expect(laneOf(run.state, 'w-1')).toEqual([])
        // README, "The life of an op" 4: "... until it has been delivered 1 + MAX_RETRIES times (4);
        // after that -> reason retries_exhausted (with the server's reason when the last answer was a
        // NACK)". Was { code: 'rejected', serverReason: 'busy' } before 8640fa3. In doubt when a
        // delivery was never answered: the last one, or an earlier one that timed out.
        const inDoubt = last === 'timeout' || earlier === 'timeouts' ? true : undefined
        expect(run.state.optimistic.rollbacks.map((r) => [r.reason.code, r.reason.serverReason, r.reason.inDoubt]), `earlier: ${earlier}, last answer: ${last}`).toEqual([
          ['retries_exhausted', last === 'nack' ? 'busy' : undefined, inDoubt],
        ])
      }
    }
  })

  it('an op confirmed by a stale broadcast moves the ops after it onto the held version, as an ACK does', () => {
    const baseVersions = (by: 'ack' | 'broadcast') => {
      const run = new Run({ strategy: 'REMOTE_WINS', keys: 2 })
      for (let i = 0; i < 3; i++) run.exec({ t: 'edit', key: 0, field: 'value', v: i }) // op1, op2, op3 on v1
      const { actions } = run.rt
      const value = { id: 'w-1', value: 0, title: 'a' }
      run.dispatch({ t: 'seed' }, actions.opsSent({ ops: [ref], at: 1 }))
      run.dispatch({ t: 'seed' }, actions.confirm('op3', { version: 3, value: { ...value, value: 2 } })) // held: v3
      // op1's effect, v2, arrives late:
      if (by === 'ack') run.dispatch({ t: 'seed' }, actions.opAcked({ ...ref, version: 2, value, hasValue: true, at: 2 }))
      else run.dispatch({ t: 'seed' }, run.updatesAction([{ key: 'w-1', version: 2, value, opId: 'op1', opIds: ['op1'] }]))
      return laneOf(run.state, 'w-1').map((op) => [op.opId, op.baseVersion])
    }
    expect(baseVersions('ack')).toEqual([['op2', 3]])
    // Was [['op2', 1]] before 8640fa3: op2 was then sent with baseVersion 1 although the client held v3.
    expect(baseVersions('broadcast')).toEqual([['op2', 3]])
  })

  // Issue 6, found by the reworked model (accounting and confirm properties). README, "The life of an
  // op" 3: an `acked` op "keeps its effect in the view ... and leaves when an update of at least that
  // version arrives"; it is acked only because the client has not seen version V yet. When a later
  // op's ACK (or confirm) brings the server's value at a version >= V, the acked op is still kept
  // and applied on top of a confirmed value that already holds it AND the later op: the view shows
  // the older edit over the newer one (creation order inverted) until some broadcast >= V arrives.
  // Counterexample: REMOTE_WINS, keys 1: remote (v2 not received), edit op1 value=1, confirm(op1,
  // { version: 3 }) -> acked at 3, edit op2 value=2, op2's ACK { version: 4, value: {value: 2} }:
  // confirmed v4 {value: 2}, op1 still acked at 3, view {value: 1}.
  it('an acked op leaves once a confirmation brings a version at least its own (the view is not the older edit)', () => {
    const run = new Run({ strategy: 'REMOTE_WINS', keys: 1 })
    const { actions } = run.rt
    run.exec({ t: 'remote', key: 0, field: 'title', v: 1 }) // v2: another user's change, still in flight
    run.exec({ t: 'edit', key: 0, field: 'value', v: 1 }) // op1
    run.dispatch({ t: 'seed' }, actions.opsSent({ ops: [ref], at: 1 }))
    run.dispatch({ t: 'seed' }, actions.opAcked({ ...ref, attempt: 1, version: 3, hasValue: false, at: 2 })) // applied at v3: acked
    expect(rawLaneOf(run.state, 'w-1').map((op) => [op.opId, op.status])).toEqual([['op1', 'acked']])
    run.exec({ t: 'edit', key: 0, field: 'value', v: 2 }) // op2, stands on v3
    const v4 = { id: 'w-1', value: 2, title: 'B' }
    run.dispatch({ t: 'seed' }, actions.opsSent({ ops: [{ ...ref, opId: 'op2' }], at: 3 }))
    run.dispatch({ t: 'seed' }, actions.opAcked({ ...ref, opId: 'op2', attempt: 1, version: 4, value: v4, hasValue: true, at: 4 }))
    expect(entityOf(run.state, 'w-1'), 'the server value at v4, which holds op1 and op2').toEqual({ confirmed: v4, version: 4, view: v4 })
    expect(rawLaneOf(run.state, 'w-1'), 'op1 (acked at v3 <= v4) is settled').toEqual([])
  })

  // Issue 6, found by the convergence property. README, Conflicts, MERGE: "A delivery still on the
  // wire is handled as with LOCAL_WINS (whatever the server applies from it is what the view
  // converges to)". A delivery made before the conflict carries the field the remote then changed;
  // the server applies it (the README does not ask servers to refuse stale bases) and ACKs it
  // without a value at held + 1. The client works the value out as "the op applied to confirmed"
  // with the protection the conflict added after the delivery, so confirmed at v3 keeps the remote
  // value; the server holds the op's. The broadcast at v3 is then not newer: permanent divergence.
  // Counterexample: MERGE, keys 1: edit op1 value=0, close, remote value=10 (v2), send op1 (applied at
  // v3, bare ACK), deliver v2, then the ACK and the broadcast: client {value: 10} at v3, server {value: 0} at v3.
  it('MERGE: a value-less ACK of a delivery made before the merge converges to what the server applied', () => {
    const run = runScenario(
      {
        strategy: 'MERGE',
        keys: 1,
        cmds: [
          { t: 'edit', key: 0, field: 'value', v: 0 },
          { t: 'close' },
          { t: 'remote', key: 0, field: 'value', v: 0 },
          { t: 'send', key: 0, outcome: 'apply', echo: false, bare: true },
          { t: 'deliver', pick: 0, count: 2 }, // the resync snapshot (v1) and v2: a conflict, op1 on the wire
        ],
      },
      undefined,
      { settle: true }, // the bare ACK at v3, then op1's broadcast at v3
    )
    const server = run.server.entities['w-1']!
    expect(entityOf(run.state, 'w-1'), 'converged to the server').toEqual({ confirmed: server.value, version: server.version, view: server.value })
  })

  // The same, through the real path (store, middleware, batcher, FakeWebSocket, fake timers).
  it('MERGE: a value-less ACK of a delivery made before the merge converges to what the server applied (real path)', async () => {
    vi.useFakeTimers()
    try {
      FakeWebSocket.reset()
      const t = createWidgetStore({ config: { optimistic: { CONFLICT_RESOLUTION: 'MERGE' } } })
      const settle = () => vi.advanceTimersByTimeAsync(1000)
      await settle()
      const socket = FakeWebSocket.last
      socket.acceptOpen()
      socket.deliver({ type: 'WIDGET_UPDATE', seq: 1, data: { id: 'w-1', version: 1, value: 1, title: 'a' } })
      await settle()
      t.store.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 }))
      await settle()
      const op = socket.sentMessages.find((m) => m.type === 'WIDGET_UPDATE')!
      expect(op.data).toEqual({ id: 'w-1', value: 5, baseVersion: 1 })
      // The server: another user sets value 10 (v2); then it applies the op (v3: value 5), as the
      // README allows, ACKs it without a value and broadcasts v3 with its opId.
      socket.deliver({ type: 'WIDGET_UPDATE', seq: 2, data: { id: 'w-1', version: 2, value: 10, title: 'a' } })
      await settle()
      socket.deliver({ type: 'ACK', replyTo: op.id, attempt: 1, data: { key: 'w-1', version: 3 } })
      await settle()
      socket.deliver({ type: 'WIDGET_UPDATE', seq: 3, data: { id: 'w-1', version: 3, value: 5, title: 'a', opId: op.id } })
      await settle()
      const server = { id: 'w-1', value: 5, title: 'a' }
      // Today: { confirmed: { value: 10 }, version: 3, view: { value: 10 } }, for good.
      expect(t.record('w-1')).toEqual({ confirmed: server, version: 3, view: server })
    } finally {
      vi.clearAllTimers()
      vi.useRealTimers()
    }
  })

  // Issue 6, found by the truth check of the convergence property. README, "The life of an op" 4:
  // "A record is true: the server did not apply the op, unless reason.inDoubt says nobody could know
  // (its last delivery was never answered) or appliedAfterAll is set". An op whose delivery got no
  // answer before the socket closed (or before it timed out) goes back to `queued`; it is then
  // rolled back as if it had never been delivered: by hand ('manual', without inDoubt: the package
  // sets it only for status `sent`), or by a REMOTE_WINS conflict with the resync snapshot (at once,
  // not in doubt: only an op in status `sent` is held in doubt). The server applied it; the answer
  // and the broadcast were lost with the socket, so nothing ever corrects the record.
  // Counterexamples (REMOTE_WINS, keys 1): [edit, send (applied, answer lost), close, rollback op1]
  // -> { code: 'manual' }; [edit, send (applied), close, (settle: the snapshot v2 arrives)] ->
  // { code: 'conflict' }. Both false. (The spec says "inDoubt when status sent"; the README's
  // definition of inDoubt, and its promise that records are true, need more: this is for the lead.)
  it('an op rolled back while queued again after an unanswered delivery has a true record (in doubt)', () => {
    for (const by of ['manual', 'resync conflict'] as const) {
      const run = new Run({ strategy: 'REMOTE_WINS', keys: 1 })
      run.exec({ t: 'edit', key: 0, field: 'value', v: 3 })
      run.exec({ t: 'send', key: 0, outcome: 'apply', echo: true, bare: false }) // applied at v2; the answer is in flight
      run.exec({ t: 'close' }) // ...and lost with the socket; the resync snapshot (v2, no opId) is on its way
      expect(rawLaneOf(run.state, 'w-1').map((op) => [op.status, op.attempts])).toEqual([['queued', 1]])
      if (by === 'manual') run.exec({ t: 'rollback', pick: 0 })
      else run.exec({ t: 'deliver', pick: 0, count: 1 })
      expect(run.server.applyCount.get('op1'), 'the server applied op1').toBe(1)
      const record = run.state.optimistic.rollbacks.find((r) => r.opId === 'op1')
      expect(record, `${by}: op1 was rolled back`).toBeDefined()
      expect(!!(record!.reason.inDoubt || record!.appliedAfterAll), `${by}: the record of op1 (${record!.reason.code}) must not say the server did not apply it`).toBe(true)
    }
  })

  // The manual flavour through the real path: the user discards a pending edit while the socket is down.
  it('rollback(opId) while offline, of an op whose delivery the server applied, is in doubt (real path)', async () => {
    vi.useFakeTimers()
    try {
      FakeWebSocket.reset()
      const t = createWidgetStore()
      const settle = () => vi.advanceTimersByTimeAsync(1000)
      await settle()
      const socket = FakeWebSocket.last
      socket.acceptOpen()
      socket.deliver({ type: 'WIDGET_UPDATE', seq: 1, data: { id: 'w-1', version: 1, value: 1, title: 'a' } })
      await settle()
      const action = t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })
      t.store.dispatch(action)
      await settle()
      expect(socket.sentMessages.some((m) => m.type === 'WIDGET_UPDATE' && m.id === action.payload.opId), 'delivered').toBe(true)
      // The server applies it; the socket drops before its ACK is written.
      socket.serverClose()
      await vi.advanceTimersByTimeAsync(0)
      expect(t.ops().map((op) => op.status)).toEqual(['queued'])
      t.store.dispatch(t.realtime.actions.rollback(action.payload.opId))
      const record = t.optimistic().rollbacks.find((r) => r.opId === action.payload.opId)!
      // Today: { code: 'manual' } without inDoubt: "the server did not apply it", which is false.
      expect(record.reason.code).toBe('manual')
      expect(record.reason.inDoubt, 'its last delivery was never answered').toBe(true)
    } finally {
      vi.clearAllTimers()
      vi.useRealTimers()
    }
  })
})

describe('optimistic core: socket close (round 2)', () => {
  // README, Actions: `deliveriesLost` is dispatched by the delivery loop after the socket closed
  // (socket transport only); the ops react to it, not to `connection/closed` (with
  // `outbound.onUpdate` a close loses nothing). The properties dispatch `deliveriesLost` for a close.
  it('connection/closed alone leaves the ops as they are; deliveriesLost re-queues what was on the wire', () => {
    const run = new Run({ strategy: 'REMOTE_WINS', keys: 1 })
    run.exec({ t: 'edit', key: 0, field: 'value', v: 3 })
    run.exec({ t: 'send', key: 0, outcome: 'lost' })
    const before = run.state
    run.dispatch({ t: 'seed' }, run.rt.actions.closed({ close: { code: 1006, reason: '', wasClean: false }, byUser: false }))
    expect(run.state.optimistic, 'connection/closed').toBe(before.optimistic)
    expect(run.state.collections).toBe(before.collections)
    run.exec({ t: 'close' })
    expect(rawLaneOf(run.state, 'w-1').map((op) => [op.opId, op.status, op.attempts, op.earlierUnanswered])).toEqual([['op1', 'queued', 1, true]])
  })
})

// Found by the recentlyConfirmed comparison of the reworked model (round 2). README "State":
// `optimistic.recentlyConfirmed` "holds the ids of the last 50 ops confirmed"; the lead's rule for
// this round: "by ACK, confirm(opId), a broadcast carrying them, or an acked op reached by an update
// or a later confirmation; NOT ops in doubt: those get appliedAfterAll". An op in doubt (rolled
// back while on the wire) that its broadcast settles is not listed, but one that its ACK or
// confirm(opId) settles is: the same event is booked two ways depending on which message came first.
// Counterexample (REMOTE_WINS, keys 1): edit op1, send op1 (applied at v3), another user's change
// v2 arrives (op1 in doubt), op1's ACK { version: 3, value } -> recentlyConfirmed ['op1'] (by its
// broadcast instead: []). The properties leave ops whose record says appliedAfterAll out of the
// recentlyConfirmed comparison (checks.ts) until this is settled.
describe('optimistic core: open (issue 6, round 2)', () => {
  it('an op in doubt confirmed by its ACK or confirm(opId) is not recently confirmed (as by its broadcast)', () => {
    const listed: Record<string, string[]> = {}
    for (const by of ['broadcast', 'ack', 'bare ack', 'confirm'] as const) {
      const run = new Run({ strategy: 'REMOTE_WINS', keys: 1 })
      const { actions } = run.rt
      run.exec({ t: 'edit', key: 0, field: 'value', v: 3 }) // op1
      run.dispatch({ t: 'seed' }, actions.opsSent({ ops: [ref], at: 1 }))
      run.dispatch({ t: 'seed' }, run.updatesAction([{ key: 'w-1', version: 2, value: { id: 'w-1', value: 20, title: 'a' } }]))
      expect(rawLaneOf(run.state, 'w-1').map((op) => [op.opId, op.status])).toEqual([['op1', 'doubt']])
      const applied = { id: 'w-1', value: 3, title: 'a' } // the server applied op1 after the change: v3
      if (by === 'broadcast') run.dispatch({ t: 'seed' }, run.updatesAction([{ key: 'w-1', version: 3, value: applied, opId: 'op1', opIds: ['op1'] }]))
      if (by === 'ack') run.dispatch({ t: 'seed' }, actions.opAcked({ ...ref, attempt: 1, version: 3, value: applied, hasValue: true, at: 2 }))
      if (by === 'bare ack') run.dispatch({ t: 'seed' }, actions.opAcked({ ...ref, attempt: 1, version: 3, hasValue: false, at: 2 }))
      if (by === 'confirm') run.dispatch({ t: 'seed' }, actions.confirm('op1', { version: 3, value: applied }))
      expect(rawLaneOf(run.state, 'w-1'), `${by}: op1 settled`).toEqual([])
      expect(run.state.optimistic.rollbacks.map((r) => [r.opId, r.appliedAfterAll]), `${by}: its record says applied after all`).toEqual([['op1', true]])
      listed[by] = run.state.optimistic.recentlyConfirmed
    }
    // Today: { broadcast: [], ack: ['op1'], 'bare ack': ['op1'], confirm: ['op1'] }.
    expect(listed).toEqual({ broadcast: [], ack: [], 'bare ack': [], confirm: [] })
  })
})
