/**
 * Entity ops: the client messages that change widgets (`WIDGET_UPDATE`, `WIDGET_CREATE`,
 * `WIDGET_DELETE` by default), applied to the {@link WidgetStore}, and the broadcast data announcing
 * a change.
 *
 * An op is `{ type, id: opId, data: { id: widgetId, ...fields, baseVersion? } }`. Its ACK's data is
 * `{ key: widgetId, version, value }` (`value` the whole entity after the change, or null once
 * deleted); the change is then broadcast as `{ ...entity, version, opId }` or
 * `{ id, version, deleted: true, opId }`.
 */
import { OpRejection, type OpOutcome } from './ops'
import type { EntityOpKind, IdentifiedMessage, ServerFaults } from './types'
import { checkWidgetCaps, type WidgetCaps } from './widgetCaps'
import { isWidgetId, type WidgetChange, type WidgetStore } from './widgets'

/** The entity message types every server starts with. */
export const DEFAULT_ENTITY_MESSAGES: ReadonlyMap<string, EntityOpKind> = new Map<string, EntityOpKind>([
  ['WIDGET_UPDATE', 'update'],
  ['WIDGET_CREATE', 'create'],
  ['WIDGET_DELETE', 'delete'],
])

/** The default type of the broadcast announcing a widget change. */
export const DEFAULT_ENTITY_BROADCAST_TYPE = 'WIDGET_UPDATE'

/** The ACK data of an entity op. */
export interface EntityAck {
  key: string
  version: number
  value: Record<string, unknown> | null
}

/**
 * The `data` of the broadcast announcing `change`: `{ ...entity, version, opId? }`, or for a
 * deletion `{ id, version, deleted: true, opId? }`. `opId` is set when a client op caused it.
 */
export function changeBroadcastData(change: WidgetChange, opId?: string): Record<string, unknown> {
  const data: Record<string, unknown> = change.entity
    ? { ...change.entity, version: change.version }
    : { id: change.id, version: change.version, deleted: true }
  if (opId !== undefined) data.opId = opId
  return data
}

/** What {@link applyEntityOp} needs. */
export interface EntityDeps {
  readonly store: WidgetStore
  readonly faults: ServerFaults
  /** Size and count caps checked before a change (none when absent). */
  readonly caps?: WidgetCaps
  /** Broadcasts a change (called after the op's ACK went out). */
  announce(change: WidgetChange, opId?: string): void
}

/**
 * Applies entity op `op` of kind `kind`. Throws an {@link OpRejection} (non-retryable) when `data`
 * is not an object with a non-empty string `id`, on a base-version conflict while
 * `conflictOnBaseVersion` is set, when deleting a widget that never existed, and when the change
 * would break a cap of `deps.caps` (size, count, total size). Deleting a widget
 * that is already deleted changes nothing: it is ACKed with the tombstone's version and no broadcast.
 */
export function applyEntityOp(deps: EntityDeps, kind: EntityOpKind, op: IdentifiedMessage): OpOutcome {
  const data = op.data
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !isWidgetId((data as { id?: unknown }).id)) {
    throw new OpRejection(`${op.type} needs data.id, a non-empty string`, false)
  }
  const fields = data as Record<string, unknown> & { id: string }
  const key = fields.id
  const current = deps.store.versionOf(key)
  const baseVersion = fields.baseVersion
  if (deps.faults.conflictOnBaseVersion && typeof baseVersion === 'number' && baseVersion < current) {
    throw new OpRejection(`conflict: base version ${baseVersion} < current ${current}`, false)
  }

  let change: WidgetChange | undefined
  if (kind === 'delete') {
    change = deps.store.remove(key)
    if (!change) {
      if (!deps.store.isDeleted(key)) throw new OpRejection(`widget ${key} not found`, false)
      const ack: EntityAck = { key, version: current, value: null }
      return { data: ack }
    }
  } else {
    // Checked on what the op would make, so a refused op changes nothing.
    const next = deps.store.patched(key, fields)
    if (deps.caps) checkWidgetCaps(deps.store, key, next, deps.caps)
    change = deps.store.put(key, next)
  }
  const done = change
  const ack: EntityAck = { key, version: done.version, value: done.entity }
  return { data: ack, after: () => deps.announce(done, op.id) }
}
