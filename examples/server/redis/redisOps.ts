/**
 * Entity ops on the shared state in Redis: read the widget, compute the change here (the same
 * rules as the in-memory store), then store it with a compare-and-set script that also stores the
 * ACK and appends the broadcast. A widget that moved on meanwhile (another instance) is read
 * again; an op id answered on any instance gets its stored ACK and is not applied again.
 */
import type { WebSocket } from 'ws'
import { changeBroadcastData, type EntityAck } from '../entityMessages'
import type { FaultyReplier } from '../faults'
import { OpRejection, refusalOf } from '../ops'
import { ackFrame, answering, nackFrame, reasonOf } from '../protocol'
import type { EntityOpKind, IdentifiedMessage, ServerFaults, WidgetEntity, WireMessage } from '../types'
import { cleanFields, isWidgetId } from '../widgets'
import type { Change, RedisStore, StoredWidget } from './redisStore'

/** What {@link answerRedisOp} needs. */
export interface RedisOpDeps {
  readonly store: RedisStore
  readonly faults: ServerFaults
  readonly replier: FaultyReplier
  readonly broadcastType: string
  /** Largest widget, in bytes of JSON (`limits.maxWidgetBytes`). */
  readonly maxWidgetBytes: number
  readonly now: () => number
  /** Told once per op this instance applied. */
  onApplied(opId: string): void
}

/** How often an op is recomputed when other instances keep changing its widget first. */
const MAX_ROUNDS = 50

/** The change op `op` of kind `kind` makes to `current` (throws an {@link OpRejection} to refuse it). */
export function changeOf(deps: RedisOpDeps, kind: EntityOpKind, op: IdentifiedMessage, key: string, current: StoredWidget): Change {
  const fields = op.data as Record<string, unknown>
  const baseVersion = fields.baseVersion
  if (deps.faults.conflictOnBaseVersion && typeof baseVersion === 'number' && baseVersion < current.version) {
    throw new OpRejection(`conflict: base version ${baseVersion} < current ${current.version}`, false)
  }
  const base = { opId: op.id, widgetId: key, expectedVersion: current.version, broadcastType: deps.broadcastType, ts: deps.now() }
  let entity: WidgetEntity | null
  if (kind === 'delete') {
    if (!current.entity) {
      if (current.version === 0) throw new OpRejection(`widget ${key} not found`, false)
      // Already deleted: ACKed with the tombstone's version, nothing broadcast.
      const ack: EntityAck = { key, version: current.version, value: null }
      return { ...base, entity: undefined, ack: ackFrame(op.id, ack), broadcastData: null }
    }
    entity = null
  } else {
    entity = { ...current.entity, ...cleanFields(fields), id: key }
    const bytes = Buffer.byteLength(JSON.stringify(entity))
    if (bytes > deps.maxWidgetBytes) {
      throw new OpRejection(`widget ${key} would be ${bytes} bytes, over the limit of ${deps.maxWidgetBytes} (limits.maxWidgetBytes)`, false)
    }
  }
  const version = current.version + 1
  const ack: EntityAck = { key, version, value: entity }
  const broadcastData = changeBroadcastData({ id: key, version, entity }, op.id)
  return { ...base, entity, ack: ackFrame(op.id, ack), broadcastData }
}

/**
 * Answers one delivery of entity op `op` against Redis. Resolves once the answer is handed to the
 * socket; never rejects (a Redis failure is a retryable NACK, so the client's outbox tries again).
 */
export async function answerRedisOp(deps: RedisOpDeps, socket: WebSocket, op: IdentifiedMessage, kind: EntityOpKind): Promise<void> {
  const answer = (frame: WireMessage): void => deps.replier.reply(socket, answering(frame, op.attempt), 'ack')
  const data = op.data
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !isWidgetId((data as { id?: unknown }).id)) {
    answer(nackFrame(op.id, `${op.type} needs data.id, a non-empty string`, false))
    return
  }
  const key = (data as { id: string }).id
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { ack, widget } = await deps.store.read(op.id, key)
      if (ack) {
        if (!deps.faults.dropAcks) answer(ack)
        return
      }
      const refusal = refusalOf(deps.faults, op)
      if (refusal) {
        answer(nackFrame(op.id, refusal.reason, refusal.retryable))
        return
      }
      let change: Change
      try {
        change = changeOf(deps, kind, op, key, widget)
      } catch (error) {
        answer(nackFrame(op.id, reasonOf(error), error instanceof OpRejection ? error.retryable : false))
        return
      }
      const result = await deps.store.apply(change)
      if (result.kind === 'stale') continue
      if (result.kind === 'applied') deps.onApplied(op.id)
      const frame = result.kind === 'replay' ? result.ack : change.ack
      if (!deps.faults.dropAcks) answer(frame)
      return
    }
    answer(nackFrame(op.id, `widget ${key} kept changing on other instances (${MAX_ROUNDS} tries)`, true))
  } catch (error) {
    answer(nackFrame(op.id, `shared state unavailable: ${reasonOf(error)}`, true))
  }
}
