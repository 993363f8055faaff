import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mk, FakeWebSocket } from './harness'
import { endOfTurn } from '../support/fakeWebSocket'

type Widget = { id: string; value: number; name?: string }
const base = (extra: any = {}) => ({
  collections: { widgets: { updates: ['WIDGET_UPDATE'] } },
  mutations: {
    updateWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (w: Widget, { value }: { id: string; value: number }) => { w.value = value } },
    renameWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (w: Widget, { name }: { id: string; name: string }) => { w.name = name } },
    createWidget: { collection: 'widgets', message: 'WIDGET_CREATE', apply: (_: Widget | null, w: Widget) => ({ ...w }) },
    deleteWidget: { collection: 'widgets', message: 'WIDGET_DELETE', apply: () => null },
    manualSet: { collection: 'widgets', message: 'X', transport: 'manual', apply: (w: Widget, { value }: { id: string; value: number }) => { w.value = value } },
    slide: { collection: 'widgets', message: 'WIDGET_UPDATE', debounce: true, apply: (w: Widget, { value }: { id: string; value: number }) => { w.value = value } },
  },
  ...extra,
})

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(2_000_000)
})
afterEach(() => vi.useRealTimers())

async function open(extra: any = {}) {
  const t = await mk(base(extra))
  FakeWebSocket.last.acceptOpen()
  const S = () => t.store.getState()
  const sel = t.realtime.selectors
  const opt = () => S().realtime.optimistic
  const opsOut = () => FakeWebSocket.last.sentMessages
  const update = async (data: any) => {
    FakeWebSocket.last.deliver({ type: 'WIDGET_UPDATE', data })
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(200)
  }
  return { ...t, S, sel, opt, opsOut, update }
}

describe('collections: inbound updates', () => {
  it('entity update -> entitiesUpdated batch, selectEntity/selectEntityRecord', async () => {
    const t = await open()
    await t.update({ id: 'w-1', value: 1, version: 1 })
    const batch = t.ofType('realtime/collections/entitiesUpdated')
    expect(batch).toHaveLength(1)
    expect(batch[0].payload).toMatchObject({ updates: [{ collection: 'widgets', key: 'w-1', version: 1, value: { id: 'w-1', value: 1 } }], received: 1, at: expect.any(Number) })
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 1 })
    expect(t.sel.selectEntityRecord(t.S(), 'widgets', 'w-1')).toEqual({ confirmed: { id: 'w-1', value: 1 }, version: 1, view: { id: 'w-1', value: 1 } })
    expect(t.sel.selectEntities(t.S(), 'widgets')).toEqual({ 'w-1': { id: 'w-1', value: 1 } })
  })
  it('entity frames do not become messageReceived actions', async () => {
    const t = await open()
    await t.update({ id: 'w-1', value: 1, version: 1 })
    expect(t.of('messageReceived')).toHaveLength(0)
  })
  it('older version ignored; deleted:true makes null', async () => {
    const t = await open()
    await t.update({ id: 'w-1', value: 2, version: 2 })
    await t.update({ id: 'w-1', value: 1, version: 1 })
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 2 })
    await t.update({ id: 'w-1', version: 3, deleted: true })
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toBeNull()
    expect(t.sel.selectEntityRecord(t.S(), 'widgets', 'w-1').confirmed).toBeNull()
  })
  it("dedup in a window: one batch, highest version wins, BATCH_DELAY 200ms (BATCH_MODE 'window')", async () => {
    const t = await open({ config: { updates: { BATCH_MODE: 'window' } } })
    const ws = FakeWebSocket.last
    ws.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 1, version: 1 } })
    ws.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 3, version: 3 } })
    ws.deliver({ type: 'WIDGET_UPDATE', data: { id: 'w-1', value: 2, version: 2 } })
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(199)
    expect(t.ofType('realtime/collections/entitiesUpdated')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    const b = t.ofType('realtime/collections/entitiesUpdated')
    expect(b).toHaveLength(1)
    expect(b[0].payload.updates).toHaveLength(1)
    expect(b[0].payload.updates[0].version).toBe(3)
    expect(b[0].payload.received).toBe(3)
  })
  it("BATCH_SIZE flushes at once (BATCH_MODE 'window')", async () => {
    const t = await open({ config: { updates: { BATCH_SIZE: 2, BATCH_MODE: 'window' } } })
    const ws = FakeWebSocket.last
    ws.deliver({ type: 'WIDGET_UPDATE', data: { id: 'a', value: 1, version: 1 } })
    ws.deliver({ type: 'WIDGET_UPDATE', data: { id: 'b', value: 1, version: 1 } })
    await endOfTurn()
    expect(t.ofType('realtime/collections/entitiesUpdated')).toHaveLength(1)
  })
  it("BATCH_MODE 'off': one action per update", async () => {
    const t = await open({ config: { updates: { BATCH_MODE: 'off' } } })
    const ws = FakeWebSocket.last
    ws.deliver({ type: 'WIDGET_UPDATE', data: { id: 'a', value: 1, version: 1 } })
    ws.deliver({ type: 'WIDGET_UPDATE', data: { id: 'b', value: 1, version: 1 } })
    await endOfTurn()
    expect(t.ofType('realtime/collections/entitiesUpdated')).toHaveLength(2)
  })
  it('parse rejection -> messageRejected validation_failed', async () => {
    const t = await mk({ collections: { widgets: { updates: ['WU'], parse: () => { throw new Error('bad') } } } })
    FakeWebSocket.last.acceptOpen()
    FakeWebSocket.last.deliver({ type: 'WU', data: { id: 'x', version: 1 } })
    await endOfTurn()
    expect(t.of('messageRejected')[0]?.payload.code).toBe('validation_failed')
  })
})

describe('ops', () => {
  it('mutation creates op payload, view changes, op sent with baseVersion', async () => {
    const t = await open()
    await t.update({ id: 'w-1', value: 1, version: 4 })
    const action = t.realtime.actions.updateWidget({ id: 'w-1', value: 42 })
    t.dispatch(action)
    const created = t.seen.find((a: any) => a.type === action.type) as any
    expect(action.type).toBe('realtime/optimistic/updateWidget')
    expect(created.payload).toEqual({ opId: expect.any(String), collection: 'widgets', key: 'w-1', args: { id: 'w-1', value: 42 }, createdAt: Date.now() })
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 42 })
    const opId = created.payload.opId
    expect(t.opsOut().at(-1)).toEqual({ type: 'WIDGET_UPDATE', id: opId, attempt: 1, data: { id: 'w-1', value: 42, baseVersion: 4 } })
    expect(t.opt().count).toBe(1)
    const ops = t.sel.selectPendingOpsFor(t.S(), 'widgets', 'w-1')
    expect(ops[0]).toMatchObject({ opId, mutation: 'updateWidget', collection: 'widgets', key: 'w-1', baseVersion: 4, status: 'sent', attempts: 1, createdAt: Date.now() })
    expect(t.sel.selectHasPendingOps(t.S(), 'widgets', 'w-1')).toBe(true)
    expect(t.sel.selectPendingCount(t.S())).toBe(1)
    expect(t.sel.selectPendingOps(t.S())).toHaveLength(1)
    const sent = t.ofType('realtime/optimistic/opsSent')
    expect(sent[0].payload).toEqual({ ops: [{ opId, collection: 'widgets', key: 'w-1' }], at: Date.now() })
  })
  it('lanes are bucketed: optimistic.lanes[bucket]["widgets/w-1"]', async () => {
    const t = await open()
    t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 42 }))
    const lanes = t.opt().lanes
    const buckets = Object.keys(lanes)
    expect(buckets).toHaveLength(1)
    expect(buckets[0]).toMatch(/^\d+$/)
    expect(lanes[buckets[0]!]['widgets/w-1']).toHaveLength(1)
    const ent = t.S().realtime.collections.widgets.entities
    expect(Object.keys(ent).every((b) => /^\d+$/.test(b))).toBe(true)
  })
  it('ACK confirms: value becomes confirmed; opAcked payload', async () => {
    const t = await open()
    const { payload } = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 42 }))
    FakeWebSocket.last.deliver({ type: 'ACK', replyTo: payload.opId, data: { key: 'w-1', version: 1, value: { id: 'w-1', value: 42 } } })
    await endOfTurn()
    expect(t.opt().count).toBe(0)
    expect(t.sel.selectEntityRecord(t.S(), 'widgets', 'w-1')).toEqual({ confirmed: { id: 'w-1', value: 42 }, version: 1, view: { id: 'w-1', value: 42 } })
    expect(t.ofType('realtime/optimistic/opAcked')[0].payload).toMatchObject({ opId: payload.opId, collection: 'widgets', key: 'w-1' })
  })
  it('only one op per key on the wire; next goes after ACK', async () => {
    const t = await open()
    await t.update({ id: 'w-1', value: 0, version: 0.5 })
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 1 })).payload.opId
    const b = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 2 })).payload.opId
    t.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 3 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.opsOut().map((m) => m.id)).not.toContain(b)
    expect(t.opsOut()).toHaveLength(2)
    FakeWebSocket.last.deliver({ type: 'ACK', replyTo: a, data: { key: 'w-1', version: 1 } })
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(0)
    expect(t.opsOut().at(-1)).toMatchObject({ id: b, data: { baseVersion: 1 } })
    // ACK without value applies op to confirmed
    expect(t.sel.selectEntityRecord(t.S(), 'widgets', 'w-1').confirmed).toMatchObject({ value: 1 })
  })
  it('broadcast carrying opId confirms', async () => {
    const t = await open()
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 1 })).payload.opId
    await t.update({ id: 'w-1', value: 1, version: 1, opId: a })
    expect(t.opt().count).toBe(0)
    expect(t.opt().conflicts).toHaveLength(0)
  })
  it('NACK retryable:false rolls back with reason rejected; rollbacks record', async () => {
    const t = await open()
    await t.update({ id: 'w-1', value: 0, version: 1 })
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })).payload.opId
    FakeWebSocket.last.deliver({ type: 'NACK', replyTo: a, data: { reason: 'nope', retryable: false } })
    await endOfTurn()
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 0 })
    const rb = t.sel.selectRollbacks(t.S())
    expect(rb[0]).toMatchObject({ opId: a, mutation: 'updateWidget', collection: 'widgets', key: 'w-1', args: { id: 'w-1', value: 5 }, reason: { code: 'rejected', message: expect.any(String), serverReason: 'nope' }, at: Date.now() })
    expect(t.ofType('realtime/optimistic/opNacked')[0].payload).toMatchObject({ opId: a, collection: 'widgets', key: 'w-1' })
  })
  it('rollback of op A keeps later op B', async () => {
    const t = await open()
    await t.update({ id: 'w-1', value: 0, name: 'a', version: 1 })
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })).payload.opId
    t.dispatch(t.realtime.actions.renameWidget({ id: 'w-1', name: 'b' }))
    t.dispatch(t.realtime.actions.rollback(a, 'undo'))
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 0, name: 'b' })
    expect(t.sel.selectRollbacks(t.S())[0].reason).toMatchObject({ code: 'manual' })
  })
  it('NACK retryable resends same opId after a growing backoff until 4 deliveries, then retries_exhausted', async () => {
    const t = await open({ config: { websocket: { HEARTBEAT_INTERVAL: 0 } } })
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })).payload.opId
    for (let i = 0; i < 4; i++) {
      // backgroundSync.RETRY_DELAY (1000 ms) doubling per retry: 1 s, 2 s, 4 s.
      const wait = i === 0 ? 0 : 1000 * 2 ** (i - 1)
      if (wait > 0) {
        await vi.advanceTimersByTimeAsync(wait - 1)
        expect(t.opsOut().filter((m) => m.id === a)).toHaveLength(i)
      }
      await vi.advanceTimersByTimeAsync(wait > 0 ? 1 : 0)
      expect(t.opsOut().filter((m) => m.id === a)).toHaveLength(i + 1)
      FakeWebSocket.last.deliver({ type: 'NACK', replyTo: a, data: { reason: 'busy', retryable: true } })
      await endOfTurn()
      await vi.advanceTimersByTimeAsync(0)
    }
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.opsOut().filter((m) => m.id === a)).toHaveLength(4)
    expect(t.sel.selectRollbacks(t.S())[0]?.reason).toMatchObject({ code: 'retries_exhausted', serverReason: 'busy' })
  })
  it('optimistic.TIMEOUT resends; opTimedOut', async () => {
    const t = await open({ config: { websocket: { HEARTBEAT_INTERVAL: 0 } } })
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })).payload.opId
    await vi.advanceTimersByTimeAsync(29_999)
    expect(t.opsOut().filter((m) => m.id === a)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.ofType('realtime/optimistic/opTimedOut')[0]?.payload).toMatchObject({ opId: a, collection: 'widgets', key: 'w-1' })
    // Then it waits out backgroundSync.RETRY_DELAY before going again.
    await vi.advanceTimersByTimeAsync(999)
    expect(t.opsOut().filter((m) => m.id === a)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.opsOut().filter((m) => m.id === a)).toHaveLength(2)
  })
  it('MAX_PENDING refuses with mutationRefused {mutation,args,error.code}', async () => {
    const t = await open({ config: { optimistic: { MAX_PENDING: 1 } } })
    t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 1 }))
    t.dispatch(t.realtime.actions.updateWidget({ id: 'w-2', value: 2 }))
    const r = t.ofType('realtime/optimistic/mutationRefused')
    expect(r).toHaveLength(1)
    expect(r[0].payload).toMatchObject({ mutation: 'updateWidget', args: { id: 'w-2', value: 2 }, error: { code: 'MAX_PENDING' } })
    expect(t.opt().lastError).toMatchObject({ code: 'MAX_PENDING' })
    expect(t.opt().count).toBe(1)
  })
  it('create and delete mutations', async () => {
    const t = await open()
    t.dispatch(t.realtime.actions.createWidget({ id: 'n', value: 1 }))
    expect(t.sel.selectEntity(t.S(), 'widgets', 'n')).toEqual({ id: 'n', value: 1 })
    expect(t.opsOut().at(-1)).toMatchObject({ type: 'WIDGET_CREATE', data: { id: 'n', value: 1, baseVersion: 0 } })
    await t.update({ id: 'z', value: 1, version: 1 })
    t.dispatch(t.realtime.actions.deleteWidget({ id: 'z' }))
    expect(t.sel.selectEntity(t.S(), 'widgets', 'z')).toBeNull()
  })
  it('confirm(opId, {version, value}) by hand', async () => {
    const t = await open()
    const a = t.dispatch(t.realtime.actions.manualSet({ id: 'w-1', value: 9 })).payload.opId
    await vi.advanceTimersByTimeAsync(1000)
    expect(t.opsOut()).toHaveLength(0)
    expect(t.sel.selectPendingOpsFor(t.S(), 'widgets', 'w-1')[0].status).toBe('manual')
    t.dispatch(t.realtime.actions.confirm(a, { version: 3, value: { id: 'w-1', value: 9 } }))
    expect(t.sel.selectEntityRecord(t.S(), 'widgets', 'w-1')).toEqual({ confirmed: { id: 'w-1', value: 9 }, version: 3, view: { id: 'w-1', value: 9 } })
  })
  it('close: sent ops back to queued, resent on next socket', async () => {
    const t = await open()
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })).payload.opId
    FakeWebSocket.last.serverClose()
    expect(t.sel.selectPendingOpsFor(t.S(), 'widgets', 'w-1')[0].status).toBe('queued')
    await vi.advanceTimersByTimeAsync(1000)
    FakeWebSocket.last.acceptOpen()
    await vi.advanceTimersByTimeAsync(0)
    expect(FakeWebSocket.last.sentMessages.map((m) => m.id)).toContain(a)
  })
  it('ENABLE_OPTIMISTIC_UPDATES false: views show only confirmed values, op still sent', async () => {
    const t = await open({ config: { features: { ENABLE_OPTIMISTIC_UPDATES: false } } })
    await t.update({ id: 'w-1', value: 0, version: 1 })
    t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 }))
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 0 })
    expect(t.opsOut()).toHaveLength(1)
  })
})

describe('conflicts', () => {
  it('REMOTE_WINS: ops rolled back (conflict), recorded, onConflict called', async () => {
    const onConflict = vi.fn()
    const t = await open({ onConflict })
    await t.update({ id: 'w-1', value: 0, version: 1 })
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })).payload.opId
    // The default BATCH_MODE ('auto') applies a lone update on the next macrotask: at the time it arrived.
    const arrivedAt = Date.now()
    await t.update({ id: 'w-1', value: 7, version: 2 })
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 7 })
    const c = t.sel.selectConflicts(t.S())
    expect(c[0]).toMatchObject({ collection: 'widgets', key: 'w-1', strategy: 'REMOTE_WINS', opIds: [a], local: { id: 'w-1', value: 5 }, remote: { id: 'w-1', value: 7 }, remoteVersion: 2, at: arrivedAt })
    expect(c[0].fields).toEqual(['value'])
    expect(onConflict).toHaveBeenCalledTimes(1)
    expect(t.sel.selectRollbacks(t.S())[0].reason.code).toBe('conflict')
    t.dispatch(t.realtime.actions.conflictsCleared())
    t.dispatch(t.realtime.actions.rollbacksCleared())
    expect(t.sel.selectConflicts(t.S())).toHaveLength(0)
    expect(t.sel.selectRollbacks(t.S())).toHaveLength(0)
  })
  it('LOCAL_WINS: ops stay on top of remote, resent on the new version', async () => {
    const t = await open({ config: { optimistic: { CONFLICT_RESOLUTION: 'LOCAL_WINS' } } })
    await t.update({ id: 'w-1', value: 0, name: 'a', version: 1 })
    const a = t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 })).payload.opId
    await t.update({ id: 'w-1', value: 7, name: 'r', version: 2 })
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 5, name: 'r' })
    FakeWebSocket.last.deliver({ type: 'NACK', replyTo: a, data: { reason: 'stale', retryable: false } })
    await endOfTurn()
    await vi.advanceTimersByTimeAsync(0)
    const deliveries = t.opsOut().filter((m) => m.id === a)
    expect(deliveries.at(-1)!.data.baseVersion).toBe(2)
    expect(t.opt().count).toBe(1)
  })
  it('MERGE: remote-changed field takes remote value; protectedFields', async () => {
    const t = await open({ config: { optimistic: { CONFLICT_RESOLUTION: 'MERGE' } } })
    await t.update({ id: 'w-1', value: 0, name: 'a', version: 1 })
    t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 }))
    t.dispatch(t.realtime.actions.renameWidget({ id: 'w-1', name: 'local' }))
    await t.update({ id: 'w-1', value: 9, name: 'a', version: 2 })
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 9, name: 'local' })
    const ops = t.sel.selectPendingOpsFor(t.S(), 'widgets', 'w-1')
    expect(ops[0].protectedFields).toEqual(['value'])
  })
  it('function strategy that throws counts as REMOTE_WINS', async () => {
    const t = await open({ config: {}, mutations: { ...base().mutations, updateWidget: { ...base().mutations.updateWidget, conflict: () => { throw new Error('x') } } } })
    await t.update({ id: 'w-1', value: 0, version: 1 })
    t.dispatch(t.realtime.actions.updateWidget({ id: 'w-1', value: 5 }))
    await t.update({ id: 'w-1', value: 7, version: 2 })
    expect(t.sel.selectEntity(t.S(), 'widgets', 'w-1')).toEqual({ id: 'w-1', value: 7 })
    expect(t.sel.selectRollbacks(t.S())[0].reason.code).toBe('conflict')
  })
})

describe('outbound', () => {
  it('outbound.batch: one BATCH frame per window', async () => {
    const t = await open({ outbound: { batch: true } })
    t.dispatch(t.realtime.actions.updateWidget({ id: 'a', value: 1 }))
    t.dispatch(t.realtime.actions.updateWidget({ id: 'b', value: 2 }))
    await vi.advanceTimersByTimeAsync(200)
    const out = t.opsOut()
    expect(out).toHaveLength(1)
    expect(out[0]!.type).toBe('BATCH')
    expect(out[0]!.data).toHaveLength(2)
    expect(out[0]!.data[0]).toMatchObject({ type: 'WIDGET_UPDATE', id: expect.any(String), data: { id: 'a', value: 1, baseVersion: 0 } })
  })
  it('outbound.onUpdate receives batches instead of socket, even when closed', async () => {
    const onUpdate = vi.fn()
    const t = await mk(base({ outbound: { onUpdate } }))
    t.dispatch(t.realtime.actions.updateWidget({ id: 'a', value: 1 }))
    await vi.advanceTimersByTimeAsync(200)
    expect(onUpdate).toHaveBeenCalled()
    expect(onUpdate.mock.calls[0]![0][0]).toMatchObject({ type: 'WIDGET_UPDATE', id: expect.any(String), data: { id: 'a', value: 1 } })
  })
  it('mutation debounce:true folds calls within DEBOUNCE_DELAY, view follows every move', async () => {
    const t = await open()
    await t.update({ id: 'a', value: 0, version: 1 })
    t.dispatch(t.realtime.actions.slide({ id: 'a', value: 1 }))
    t.dispatch(t.realtime.actions.slide({ id: 'a', value: 2 }))
    expect(t.sel.selectEntity(t.S(), 'widgets', 'a')).toMatchObject({ value: 2 })
    t.dispatch(t.realtime.actions.slide({ id: 'a', value: 3 }))
    expect(t.opsOut()).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(100)
    expect(t.opsOut()).toHaveLength(1)
    expect(t.opsOut()[0]!.data.value).toBe(3)
    expect(t.opt().count).toBe(1)
  })
})
