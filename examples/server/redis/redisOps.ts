/**
 * Entity ops on the shared state in Redis: read the widget, compute the change here (the same
 * rules as the in-memory store), then store it with a compare-and-set script that also stores the
 * ACK and appends the broadcast (and checks the count and total-size caps). A widget that moved
 * on meanwhile (another instance) is read again; an op id answered on any instance gets its
 * stored ACK and is not applied again. Ops of types without an entity kind get their generic ACK
 * stored the same way.
 */
import type { WebSocket } from 'ws'
import { changeBroadcastData, type EntityAck } from '../entityMessages'
import type { FaultyReplier } from '../faults'
import { OpRejection, refusalOf } from '../ops'
import { ackFrame, answering, nackFrame, reasonOf } from '../protocol'
import type { EntityOpKind, IdentifiedMessage, ServerFaults, WidgetEntity, WireMessage } from '../types'
import { isWidgetId, patchEntity } from '../widgets'
import { checkWidgetBytes, maxStateBytesReason, maxWidgetsReason, type WidgetCaps } from '../widgetCaps'
import { applyWithRetry } from './applyWithRetry'
import type { ApplyResult, Change, RedisStore, StoredWidget } from './redisStore'

/** What {@link answerRedisOp} needs. */
export interface RedisOpDeps {
  readonly store: RedisStore
  readonly faults: ServerFaults
  readonly replier: FaultyReplier
  readonly broadcastType: string
  /** The widget caps (`limits.maxWidgetBytes` checked here, the others in Redis). */
  readonly caps: WidgetCaps
  readonly now: () => number
  /** Told once per op this instance applied, before its ACK is sent. */
  onApplied(opId: string): void
  /** Whether the instance stopped (or was killed): it then changes nothing more. */
  stopped(): boolean
}

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
    entity = patchEntity(current.entity, fields, key)
    checkWidgetBytes(key, entity, deps.caps.maxWidgetBytes)
  }
  const version = current.version + 1
  const ack: EntityAck = { key, version, value: entity }
  const broadcastData = changeBroadcastData({ id: key, version, entity }, op.id)
  return { ...base, entity, ack: ackFrame(op.id, ack), broadcastData, caps: deps.caps }
}

/** The reason of a change the apply script refused at a cap (the in-memory store's wording). */
export function capRefusal(result: Extract<ApplyResult, { kind: 'refused' }>, key: string, caps: WidgetCaps): string {
  return result.limit === 'maxWidgets' ? maxWidgetsReason(key, result.value, caps.maxWidgets) : maxStateBytesReason(result.value, caps.maxStateBytes)
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
    await applyWithRetry(
      deps.store,
      op.id,
      key,
      ({ ack, widget }) => {
        if (ack) {
          if (!deps.faults.dropAcks) answer(ack)
          return undefined
        }
        const refusal = refusalOf(deps.faults, op)
        if (refusal) {
          answer(nackFrame(op.id, refusal.reason, refusal.retryable))
          return undefined
        }
        const change = changeOf(deps, kind, op, key, widget)
        // A crashed instance does nothing more (the ops after the crash point go to another one).
        return deps.stopped() ? undefined : change
      },
      (result, change) => {
        if (result.kind === 'refused') {
          answer(nackFrame(op.id, capRefusal(result, key, deps.caps), false))
          return
        }
        if (result.kind === 'applied') applied(deps, op.id)
        if (deps.stopped()) return // crashed meanwhile: the ACK is lost with the instance
        if (!deps.faults.dropAcks) answer(result.kind === 'replay' ? result.ack : change.ack!)
      },
    )
  } catch (error) {
    if (error instanceof OpRejection) answer(nackFrame(op.id, error.message, error.retryable))
    // After a stop the connection is closed on purpose: nobody is left to answer.
    else if (!deps.stopped()) answer(nackFrame(op.id, `shared state unavailable: ${reasonOf(error)}`, true))
  }
}

/** Accounts op `opId` applied here, then runs the test hook (which may kill the instance). */
function applied(deps: RedisOpDeps, opId: string): void {
  deps.onApplied(opId)
  deps.store.options.afterApply?.(opId)
}

/**
 * Answers an op of a type without an entity kind or message handler: the generic
 * `{ received: true }` ACK, stored in Redis with the answered ids (SET NX), so a replay on any
 * instance gets the same ACK and is counted applied once. Never rejects.
 */
export async function answerRedisGenericOp(deps: RedisOpDeps, socket: WebSocket, op: IdentifiedMessage): Promise<void> {
  const answer = (frame: WireMessage): void => deps.replier.reply(socket, answering(frame, op.attempt), 'ack')
  try {
    const stored = await deps.store.storedAck(op.id)
    const refusal = stored ? undefined : refusalOf(deps.faults, op)
    if (refusal) {
      answer(nackFrame(op.id, refusal.reason, refusal.retryable))
      return
    }
    if (!stored && deps.stopped()) return
    const ack = ackFrame(op.id, { received: true })
    const before = stored ?? (await deps.store.remember(op.id, ack))
    if (!before) applied(deps, op.id)
    if (!deps.faults.dropAcks && !deps.stopped()) answer(before ?? ack)
  } catch (error) {
    // After a stop the connection is closed on purpose: nobody is left to answer.
    if (!deps.stopped()) answer(nackFrame(op.id, `shared state unavailable: ${reasonOf(error)}`, true))
  }
}
