import { afterEach, describe, expect, it } from 'vitest'
import type { ConflictStrategy } from 'rtk-realtime'
import { NACK_ALL_REASON, type ReceivedMessage, type ReferenceServer } from '../../examples/server'
import { cleanup, seededRandom, startTestServer, until } from './support/harness'
import { createWidgetClient, expectConverged, serverEntity, type WidgetClient } from './support/widgetClient'

/**
 * Convergence against the authoritative widget server (DESIGN.md section 3, invariants 0, 2, 4
 * and 5): real `ws` sockets, real timers, the default batching window (200 ms) unless a test says
 * otherwise, RTK's checks on.
 */

afterEach(cleanup)

const IDS = ['w-1', 'w-2', 'w-3'] as const
const SEED = [
  { id: 'w-1', title: 'CPU', value: 0 },
  { id: 'w-2', title: 'RAM', value: 0 },
  { id: 'w-3', title: 'Disk', value: 0 },
]
type Config = NonNullable<Parameters<typeof createWidgetClient>[0]>['config']

/**
 * Starts a server with {@link SEED} and `clients` widget clients, and tells every client every
 * widget: the client loads nothing on connect (resync is a later milestone), so one touch per
 * widget broadcasts its state (version 2) to all of them.
 */
async function setUp(clients: number, config: Config = {}) {
  const server = await startTestServer({ widgets: SEED })
  const list = Array.from({ length: clients }, () => createWidgetClient({ url: server.url, config }))
  await Promise.all(list.map((client) => client.waitForStatus('open')))
  await server.waitForClients(clients)
  for (const id of IDS) server.touch(id)
  await until(
    () => list.every((client) => IDS.every((id) => client.record(id)?.version === 2)),
    'every client knows every widget at version 2',
  )
  return { server, clients: list }
}

/** The ops the server received (requests such as the round trip's ECHO left out), in arrival order. */
const opsReceived = (server: ReferenceServer) =>
  server.received.filter((m): m is ReceivedMessage & { id: string } => m.id !== undefined && m.type.startsWith('WIDGET_'))

/** Distinct opIds the server received, and how many first (non-replay) deliveries each had. */
function deliveries(server: ReferenceServer) {
  const first = new Map<string, number>()
  const replays = new Map<string, number>()
  opsReceived(server).forEach((message) => {
    const into = message.duplicate ? replays : first
    into.set(message.id, (into.get(message.id) ?? 0) + 1)
  })
  return { first, replays }
}

/** Sum over the widgets of (version - 2): the changes made after the initial touches. */
const changesSinceSetUp = (server: ReferenceServer) => IDS.reduce((sum, id) => sum + server.widget(id)!.version - 2, 0)

/** opIds of the actions of `type` in a client's log (payload.opId). */
const opIdsOf = (client: WidgetClient, type: string) => new Set(client.payloads<{ opId: string }>(type).map((p) => p.opId))

/**
 * Invariant 5: for each client and key, the first deliveries the server received are in the
 * order the client created those ops.
 */
function expectLaneOrder(server: ReferenceServer, client: WidgetClient) {
  const position = new Map<string, number>()
  opsReceived(server).forEach((message, index) => {
    if (!message.duplicate && !position.has(message.id)) position.set(message.id, index)
  })
  for (const id of IDS) {
    const arrived = client.created.filter((op) => op.key === id && position.has(op.opId)).map((op) => position.get(op.opId)!)
    expect(arrived, `first deliveries on ${id} in creation order`).toEqual([...arrived].sort((x, y) => x - y))
  }
}

/**
 * Two clients edit the same three widgets in interleaved bursts (`perClient` ops each, value and
 * title edits, every value unique) while a third user touches them on the server. Short pauses
 * between bursts let ACKs and broadcasts cross the ops on the wire.
 */
async function concurrentBursts(server: ReferenceServer, a: WidgetClient, b: WidgetClient, seed: number, perClient = 50) {
  const random = seededRandom(seed)
  const pick = () => IDS[Math.floor(random() * IDS.length)]!
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, Math.floor(random() * 4)))
  let touches = 0
  let n = 0
  for (let made = 0; made < perClient; ) {
    const burst = Math.min(perClient - made, 1 + Math.floor(random() * 6))
    for (let i = 0; i < burst; i++) {
      for (const [name, client] of [['a', a], ['b', b]] as const) {
        n += 1
        if (random() < 0.5) client.update(pick(), 1000 + n)
        else client.rename(pick(), `${name}-${n}`)
      }
    }
    made += burst
    if (random() < 0.6) {
      server.touch(pick(), random() < 0.5 ? { value: -n } : { title: `third-${n}` })
      touches += 1
    }
    await pause()
  }
  return { touches }
}

/** What happened, printed for the report (console.info does not fail the suite). */
function summary(label: string, server: ReferenceServer, clients: WidgetClient[]) {
  const { first, replays } = deliveries(server)
  const rollbacks = clients.flatMap((c) => [...c.allRollbacks.values()])
  const codes: Record<string, number> = {}
  for (const r of rollbacks) codes[r.reason.code] = (codes[r.reason.code] ?? 0) + 1
  const acked = new Set(clients.flatMap((c) => [...opIdsOf(c, 'realtime/optimistic/opAcked')]))
  // Ops rolled back (conflict) after they were sent, which the server then applied anyway.
  const rolledBackYetAcked = rollbacks.filter((r) => acked.has(r.opId)).length
  return (
    `[convergence] ${label}: ops received ${first.size}, replays ${[...replays.values()].reduce((s, x) => s + x, 0)}, ` +
    `rollbacks ${JSON.stringify(codes)} (of which ACKed by the server: ${rolledBackYetAcked}), ` +
    `conflicts ${clients.map((c) => c.allConflicts.length).join('/')}, ` +
    `batches ${clients.map((c) => c.ofType('realtime/collections/entitiesUpdated').length).join('/')}, ` +
    `versions ${IDS.map((id) => server.widget(id)!.version).join('/')}`
  )
}

describe('two clients editing the same widgets converge to the server', () => {
  const strategies: ConflictStrategy[] = ['REMOTE_WINS', 'LOCAL_WINS', 'MERGE']

  it.each(strategies)('%s: 50 ops from each client plus third-user touches', async (strategy) => {
    const { server, clients } = await setUp(2, { optimistic: { CONFLICT_RESOLUTION: strategy } })
    const [a, b] = clients as [WidgetClient, WidgetClient]
    const { touches } = await concurrentBursts(server, a, b, 0x5eed + strategy.length)

    await expectConverged(server, [a, b], IDS)

    const created = [...a.created, ...b.created]
    expect(new Set(created.map((op) => op.opId)).size).toBe(100)
    const { first } = deliveries(server)
    // Exactly once: no opId was applied twice (replays are marked duplicate), and with no faults
    // every first delivery was applied: the versions went up once per distinct op and per touch.
    expect([...first.values()].every((count) => count === 1)).toBe(true)
    expect(changesSinceSetUp(server)).toBe(touches + first.size)
    // Nothing lost: an op that left the state without a rollback was confirmed, so the server
    // must have it; an op the server never saw must have been rolled back.
    for (const client of [a, b]) {
      for (const { opId } of client.created) {
        if (!client.allRollbacks.has(opId)) expect(first.has(opId), `op ${opId} confirmed but never reached the server`).toBe(true)
      }
      expectLaneOrder(server, client)
    }

    // The run did exercise the strategy: remote changes landed under pending ops.
    expect(a.allConflicts.length + b.allConflicts.length).toBeGreaterThan(0)
    expect([...a.allConflicts, ...b.allConflicts].every((conflict) => conflict.strategy === strategy)).toBe(true)
    const rollbacks = [a, b].flatMap((c) => [...c.allRollbacks.values()])
    if (strategy === 'REMOTE_WINS') {
      expect(rollbacks.every((r) => r.reason.code === 'conflict')).toBe(true)
    } else if (strategy === 'LOCAL_WINS') {
      // The local ops stay on top: nothing is rolled back, every op reaches the server.
      expect(rollbacks).toEqual([])
      expect(first.size).toBe(100)
    } else {
      // MERGE keeps the ops, minus the fields the remote took; an op left with nothing to change
      // is dropped ("merged away") rather than sent, and only such ops are rolled back.
      for (const rollback of rollbacks) {
        expect(rollback.reason).toMatchObject({ code: 'conflict', message: expect.stringMatching(/merged away/) })
        expect(first.has(rollback.opId), `merged-away op ${rollback.opId} never reaches the server`).toBe(false)
      }
      expect(first.size).toBe(100 - rollbacks.length)
    }
    // Every rollback record is true: the server did not apply the op, unless the record says so.
    for (const rollback of rollbacks) {
      if (!rollback.appliedAfterAll && !rollback.reason.inDoubt) expect(first.has(rollback.opId), `${rollback.opId} rolled back (${rollback.reason.code}) but applied`).toBe(false)
    }
    console.info(summary(strategy, server, [a, b]))
  })

  it.each(strategies)('%s with conflictOnBaseVersion: stale ops are NACKed and rolled back as rejected, still converges', async (strategy) => {
    const { server, clients } = await setUp(2, { optimistic: { CONFLICT_RESOLUTION: strategy } })
    const [a, b] = clients as [WidgetClient, WidgetClient]
    server.faults.conflictOnBaseVersion = true
    const { touches } = await concurrentBursts(server, a, b, 0xba5e + strategy.length)

    await expectConverged(server, [a, b], IDS)

    const acked = new Set([...opIdsOf(a, 'realtime/optimistic/opAcked'), ...opIdsOf(b, 'realtime/optimistic/opAcked')])
    const nacked = new Set([...opIdsOf(a, 'realtime/optimistic/opNacked'), ...opIdsOf(b, 'realtime/optimistic/opNacked')])
    expect(nacked.size, 'the knob refused some stale ops').toBeGreaterThan(0)
    // Every applied op was ACKed to its sender: the versions count exactly the ACKed ops and the touches.
    expect(changesSinceSetUp(server)).toBe(touches + acked.size)

    const rejected = [a, b].flatMap((c) => [...c.allRollbacks.values()].filter((r) => r.reason.code === 'rejected'))
    expect(rejected.length).toBeGreaterThan(0)
    for (const rollback of rejected) {
      expect(rollback.reason.serverReason).toMatch(/^conflict: base version \d+ < current \d+$/)
      expect(rollback.reason.message).toContain(rollback.reason.serverReason!)
      expect(nacked.has(rollback.opId)).toBe(true)
      // A rollback for "rejected" must mean the server did not apply the op.
      expect(acked.has(rollback.opId), `op ${rollback.opId} was rolled back as rejected, but the server applied it`).toBe(false)
    }
    for (const client of [a, b]) {
      for (const { opId } of client.created) {
        // Nothing lost: every NACKed op is in the rollbacks; every other op was applied.
        if (nacked.has(opId) && !acked.has(opId)) expect(client.allRollbacks.has(opId), `NACKed op ${opId} in rollbacks`).toBe(true)
        if (!client.allRollbacks.has(opId)) expect(acked.has(opId), `op ${opId} left without rollback but was not applied`).toBe(true)
      }
      expectLaneOrder(server, client)
    }
    console.info(summary(`${strategy} + conflictOnBaseVersion`, server, [a, b]))
  })
})

describe('exactly once across a dropped socket', () => {
  it('replays in-flight ops with the same opIds after terminateAll; the server applies each once', async () => {
    const { server, clients } = await setUp(1)
    const [a] = clients as [WidgetClient]
    // ACKs (and the broadcasts behind them) are held back, so the ops are applied but unanswered
    // when the socket dies.
    server.faults.replyDelayMs = 2_000
    for (let round = 0; round < 3; round++) {
      for (const id of IDS) {
        if (round === 1) a.rename(id, `${id}-r${round}`)
        else a.update(id, 100 * round + Number(id.slice(2)))
      }
    }
    // One op per key is on the wire at a time: the three heads arrive and are applied.
    const heads = a.created.filter((_, i) => i < IDS.length).map((op) => op.opId)
    await until(() => heads.every((opId) => opsReceived(server).some((m) => m.id === opId)), 'the head ops reached the server')
    expect(a.ofType('realtime/optimistic/opAcked')).toHaveLength(0)
    expect(a.pendingCount()).toBe(9)

    const from = a.log.length
    server.faults.replyDelayMs = 0
    server.terminateAll()
    await a.waitForAction('realtime/connection/closed', from)
    await expectConverged(server, [a], IDS)
    // One drop, one reconnect; the socket stayed up since.
    expect(a.ofType('realtime/connection/closed')).toHaveLength(1)
    expect(a.ofType('realtime/connection/opened')).toHaveLength(2)
    expect(a.connection().status).toBe('open')

    const { first, replays } = deliveries(server)
    // Every op reached the server, and each opId was applied exactly once.
    expect([...first.keys()].sort()).toEqual(a.created.map((op) => op.opId).sort())
    expect([...first.values()].every((count) => count === 1)).toBe(true)
    // The ops in flight were replayed under the same opIds, and the server knew them.
    for (const opId of heads) {
      const marks = opsReceived(server).filter((m) => m.id === opId).map((m) => m.duplicate === true)
      expect(marks, `deliveries of ${opId}: the first applied, the replays marked duplicate`).toEqual([false, ...marks.slice(1).map(() => true)])
      expect(marks.length).toBeGreaterThanOrEqual(2)
    }
    expect([...replays.keys()].every((opId) => first.has(opId))).toBe(true)
    // Versions went up exactly once per distinct op: 3 ops per widget after the initial touch.
    for (const id of IDS) expect(server.widget(id)!.version).toBe(2 + 3)
    expect(serverEntity(server, 'w-2')).toEqual({ id: 'w-2', title: 'w-2-r1', value: 202 })
    expect(a.rollbacks()).toEqual([])
  })
})

describe('confirmation without an ACK', () => {
  it('dropAcks: the broadcast carrying the opId confirms each op; nothing pending, no conflicts', async () => {
    const { server, clients } = await setUp(2)
    const [a, b] = clients as [WidgetClient, WidgetClient]
    server.faults.dropAcks = true
    for (let i = 0; i < 4; i++) {
      a.update('w-1', 10 + i)
      a.rename('w-2', `two-${i}`)
    }
    await expectConverged(server, [a, b], IDS)

    expect(a.ofType('realtime/optimistic/opAcked')).toHaveLength(0)
    expect(a.conflicts()).toEqual([])
    expect(a.rollbacks()).toEqual([])
    // Every op was confirmed by a batched broadcast that named it.
    const confirmedBy = new Set(
      a.payloads<{ updates: { opId?: string; opIds?: string[] }[] }>('realtime/collections/entitiesUpdated')
        .flatMap((p) => p.updates.flatMap((u) => u.opIds ?? (u.opId === undefined ? [] : [u.opId]))),
    )
    for (const { opId } of a.created) expect(confirmedBy.has(opId), `a broadcast named ${opId}`).toBe(true)
    expect(server.widget('w-1')).toMatchObject({ value: 13, version: 2 + 4 })
    expect(server.widget('w-2')).toMatchObject({ title: 'two-3', version: 2 + 4 })
    // No op was sent twice: the confirmation came in time, no timeout resent anything.
    expect(deliveries(server).replays.size).toBe(0)
  })
})

describe('a non-retryable NACK', () => {
  it('nackAll: the op is rolled back, the view returns to the server value, reason rejected with the server reason', async () => {
    const { server, clients } = await setUp(1)
    const [a] = clients as [WidgetClient]
    server.faults.nackAll = true
    const before = serverEntity(server, 'w-1')
    const opId = a.update('w-1', 42)
    expect(a.view('w-1')).toEqual({ ...before, value: 42 })

    await until(() => a.pendingCount() === 0, 'the op to settle')
    expect(a.view('w-1')).toEqual(before)
    expect(a.record('w-1')).toEqual({ confirmed: before, version: 2, view: before })
    expect(a.rollbacks()).toEqual([
      expect.objectContaining({
        opId,
        mutation: 'updateWidget',
        key: 'w-1',
        args: { id: 'w-1', value: 42 },
        reason: expect.objectContaining({ code: 'rejected', serverReason: NACK_ALL_REASON }),
      }),
    ])
    expect(a.rollbacks()[0]!.reason.message).toContain(NACK_ALL_REASON)
    expect(server.widget('w-1')).toEqual({ ...before, version: 2 })
    expect(a.conflicts()).toEqual([])
  })

  it('rejectIf: of two edits on one key the first is rejected, the second stays and reaches the server', async () => {
    const { server, clients } = await setUp(2)
    const [a, b] = clients as [WidgetClient, WidgetClient]
    server.faults.rejectIf = (message) => ((message.data as { value?: unknown }).value === 13 ? 'unlucky number' : undefined)
    const rejectedOp = a.update('w-1', 13)
    a.rename('w-1', 'Load')
    expect(a.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 13 })

    await expectConverged(server, [a, b], IDS)
    expect(a.view('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 0 })
    expect(server.widget('w-1')).toEqual({ id: 'w-1', title: 'Load', value: 0, version: 3 })
    expect(a.rollbacks()).toEqual([
      expect.objectContaining({ opId: rejectedOp, reason: expect.objectContaining({ code: 'rejected', serverReason: 'unlucky number' }) }),
    ])
  })
})

describe('a conflict while the op is on the wire (minimal repro)', () => {
  // LOCAL_WINS and MERGE put a `sent` op back to `queued` on a conflict and send it again at once,
  // while its first delivery is still unanswered: two deliveries of one op are in flight. With a
  // server that refuses stale base versions, the first delivery is NACKed and the resend (on the
  // new base version) is applied. The client takes the NACK as final (rollback, code 'rejected'),
  // then the resend's ACK lands as a "late ACK" and puts the op's effect in `confirmed`: the user
  // is told the change was rejected, yet it is on the server and in the view.
  it.each(['LOCAL_WINS', 'MERGE'] as const)('%s: an op the server applied is not reported as rejected', async (strategy) => {
    const server = await startTestServer({ widgets: [{ id: 'w-1', title: 'CPU', value: 0 }], faults: { conflictOnBaseVersion: true } })
    // BATCH_MODE 'off' so the remote update is applied before the NACK arrives (with the 200 ms
    // window the same happens whenever a batch flushes between the send and the answer).
    const a = createWidgetClient({ url: server.url, config: { optimistic: { CONFLICT_RESOLUTION: strategy }, updates: { BATCH_MODE: 'off' } } })
    await a.waitForStatus('open')
    await server.waitForClients(1)
    server.touch('w-1')
    await until(() => a.record('w-1')?.version === 2, 'w-1 known at version 2')

    const opId = a.update('w-1', 42) // sent with baseVersion 2
    server.touch('w-1', { title: 'other user' }) // version 3, before the server reads the op
    await until(
      () => a.pendingCount() === 0 && a.record('w-1')?.version === server.widget('w-1')!.version,
      () => `the op settled (pending ${a.pendingCount()}, client v${a.record('w-1')?.version}, server v${server.widget('w-1')!.version})`,
    )
    await a.roundTrip() // the server has handled every delivery of the op
    await until(() => a.record('w-1')?.version === server.widget('w-1')!.version, 'the client caught up with the server')
    expect(a.view('w-1')).toEqual(serverEntity(server, 'w-1'))

    // Either outcome is fine on its own; the client must report the one that happened. Today the
    // server gets the op twice (baseVersion 2, then 3), NACKs the first, applies the second
    // (version 4, value 42), and the client still records a 'rejected' rollback for the op.
    const applied = server.widget('w-1')!.value === 42
    const rejected = a.rollbacks().some((r) => r.opId === opId && r.reason.code === 'rejected')
    const bases = server.received.filter((m) => m.id === opId).map((m) => (m.data as { baseVersion: number }).baseVersion)
    expect(rejected, `applied by the server: ${applied}; deliveries with baseVersion ${bases.join(', ')}`).toBe(!applied)
  })
})
