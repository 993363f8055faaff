/**
 * Shared setup of the issue 6 regression tests: a real store from `createWidgetStore()` over
 * `FakeWebSocket`, under fake timers, and a small authoritative widget server the test plays.
 * The tests never dispatch `opAcked`/`opNacked`/`opTimedOut`/`entitiesUpdated`: they deliver frames.
 */
import { vi } from 'vitest'
import type { UnknownAction } from '@reduxjs/toolkit'
import { endOfTurn, FakeWebSocket } from '../../support/fakeWebSocket'
import { createWidgetStore, widgetOptions, type Widget } from '../../support/widgets'

export { endOfTurn, FakeWebSocket, widgetOptions, type Widget }

export type Options = NonNullable<Parameters<typeof createWidgetStore>[0]>
export type Frame = { type: string; id?: string; replyTo?: string; attempt?: number; data?: any }

export const REJECTED = 'realtime/connection/messageRejected'
export const RECEIVED = 'realtime/connection/messageReceived'
export const REFUSED = 'realtime/optimistic/mutationRefused'

/** Op frame types of the widget mutations. */
const OP_TYPES = new Set(['WIDGET_UPDATE', 'WIDGET_CREATE', 'WIDGET_DELETE'])

/** Moves fake time in steps until `done()` holds (or `maxMs` passed); returns whether it holds. */
export async function advanceUntil(done: () => boolean, maxMs: number, stepMs = 100): Promise<boolean> {
  for (let waited = 0; !done() && waited < maxMs; waited += stepMs) await vi.advanceTimersByTimeAsync(stepMs)
  return done()
}

/** Entries of the op index (`optimistic.index[bucket][opId]`); a missing index counts as empty. */
export function indexEntries(optimistic: unknown): string[] {
  const index = (optimistic as { index?: Record<string, Record<string, unknown>> }).index ?? {}
  return Object.values(index).flatMap((bucket) => Object.keys(bucket))
}

/**
 * An authoritative widget server as the README asks (versions +1 per change, ops applied at most
 * once per opId, a replay gets the first ACK). It applies every op it receives: it does NOT refuse
 * stale base versions. `WIDGET_UPDATE` is a patch of the frame's data (without `id`/`baseVersion`).
 */
export class WidgetServer {
  readonly entities = new Map<string, { version: number; value: Widget | null }>()
  readonly applied = new Map<string, { key: string; version: number; value: Widget | null }>()

  seed(key: string, version: number, value: Widget): this {
    this.entities.set(key, { version, value })
    return this
  }

  value(key: string): Widget | null | undefined {
    return this.entities.get(key)?.value
  }

  version(key: string): number {
    return this.entities.get(key)?.version ?? 0
  }

  /** The broadcast frame of an entity's current state (optionally naming the op that made it). */
  broadcast(key: string, opId?: string): Frame {
    const entity = this.entities.get(key)!
    const data: Record<string, unknown> =
      entity.value === null ? { id: key, deleted: true, version: entity.version } : { ...entity.value, version: entity.version }
    if (opId !== undefined) data.opId = opId
    return { type: 'WIDGET_UPDATE', data }
  }

  /** Another user's change: returns its broadcast frame. */
  remote(key: string, patch: Partial<Widget>): Frame {
    const entity = this.entities.get(key) ?? { version: 0, value: null }
    entity.value = { ...(entity.value ?? { id: key, value: 0 }), ...patch }
    entity.version += 1
    this.entities.set(key, entity)
    return this.broadcast(key)
  }

  /** Applies one delivery of an op (once per opId) and returns the ACK's data (with value). */
  apply(frame: Frame): { key: string; version: number; value: Widget | null } {
    const known = this.applied.get(frame.id!)
    if (known) return known
    const { id, baseVersion: _base, ...fields } = frame.data as Record<string, unknown> & { id: string }
    const entity = this.entities.get(id) ?? { version: 0, value: null }
    if (frame.type === 'WIDGET_DELETE') entity.value = null
    else if (frame.type === 'WIDGET_CREATE') entity.value = { ...(fields as Omit<Widget, 'id'>), id }
    else entity.value = { ...(entity.value ?? { id, value: 0 }), ...(fields as Partial<Widget>) }
    entity.version += 1
    this.entities.set(id, entity)
    const ack = { key: id, version: entity.version, value: entity.value === null ? null : { ...entity.value } }
    this.applied.set(frame.id!, ack)
    return ack
  }
}

/**
 * A widget store whose socket is open (heartbeat off unless configured), with the server's
 * entities delivered and applied (past the batch window).
 */
export async function openStore(options: Options = {}, server?: WidgetServer) {
  const config = (options.config ?? {}) as Record<string, Record<string, unknown> | undefined>
  const t = createWidgetStore({ ...options, config: { ...config, websocket: { HEARTBEAT_INTERVAL: 0, ...config.websocket } } } as Options)
  await vi.advanceTimersByTimeAsync(0)
  const socket = FakeWebSocket.last
  socket.acceptOpen()
  if (server) for (const key of server.entities.keys()) socket.deliver(server.broadcast(key))
  await endOfTurn()
  const batchDelay = (config.updates?.BATCH_DELAY as number | undefined) ?? 200
  if (config.updates?.BATCH_MODE !== 'off') await vi.advanceTimersByTimeAsync(batchDelay)
  return withHelpers(t, socket)
}

export function withHelpers<T extends ReturnType<typeof createWidgetStore>>(t: T, socket: FakeWebSocket) {
  const actions = t.realtime.actions as unknown as Record<string, (...args: unknown[]) => UnknownAction>
  /** Dispatches a mutation by name and returns its opId. */
  const mutate = (name: string, args: Record<string, unknown>): string => {
    const action = actions[name]!(args) as UnknownAction & { payload: { opId: string } }
    t.store.dispatch(action)
    return action.payload.opId
  }
  /** Op frames the client wrote on this socket (optionally of one key), oldest first. */
  const opFrames = (key?: string): Frame[] =>
    (socket.sentMessages as Frame[]).filter((m) => OP_TYPES.has(m.type) && m.id !== undefined && (key === undefined || m.data?.id === key))
  const deliver = async (...frames: Frame[]) => {
    for (const frame of frames) socket.deliver(frame)
    await endOfTurn()
  }
  const ack = (opId: string, data: Record<string, unknown>, attempt?: number): Frame =>
    attempt === undefined ? { type: 'ACK', replyTo: opId, data } : { type: 'ACK', replyTo: opId, attempt, data }
  const nack = (opId: string, reason: string, retryable = false, attempt?: number): Frame =>
    attempt === undefined
      ? { type: 'NACK', replyTo: opId, data: { reason, retryable } }
      : { type: 'NACK', replyTo: opId, attempt, data: { reason, retryable } }
  const rejections = (code?: string) =>
    t.seen.filter((a) => a.type === REJECTED && (code === undefined || (a.payload as { code: string }).code === code)) as Array<
      UnknownAction & { payload: { code: string; reason: string } }
    >
  const received = () => t.seen.filter((a) => a.type === RECEIVED) as Array<UnknownAction & { payload: Frame }>
  const index = () => indexEntries(t.optimistic())
  return { ...t, socket, actions, mutate, opFrames, deliver, ack, nack, rejections, received, index }
}

/** A small deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
