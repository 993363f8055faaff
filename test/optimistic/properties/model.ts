/**
 * An independent reference model of the optimistic core, written from the README's
 * "Collections and optimistic updates" section and DESIGN.md section 3 (not from src/). The
 * server it is checked against is in ./fakeServer.ts.
 *
 * The model is a reducer over the same actions the package's reducer takes, on a much simpler
 * state: per key a confirmed value and version, per key a lane of ops, and the full (unbounded)
 * history of rollbacks and conflicts.
 */

export type Strategy = 'REMOTE_WINS' | 'LOCAL_WINS' | 'MERGE'
export type Field = 'value' | 'title'
export type MutationName = 'updateWidget' | 'renameWidget'
export const FIELD_OF: Record<MutationName, Field> = { updateWidget: 'value', renameWidget: 'title' }

export interface Widget {
  id: string
  value: number
  title?: string
}

export type Args = { id: string; value: number } | { id: string; title: string }

export interface ModelOp {
  opId: string
  mutation: MutationName
  key: string
  args: Args
  baseVersion: number
  status: 'queued' | 'sent'
  attempts: number
  protectedFields?: string[]
  /** Kept by a LOCAL_WINS/MERGE conflict while a delivery on the old version was on the wire. */
  stale?: boolean
}

export interface ModelEntity {
  confirmed: Widget | null
  version: number
}

export interface ModelRollback {
  opId: string
  mutation: MutationName
  key: string
  args: Args
  code: string
  serverReason?: string
}

export interface ModelConflict {
  key: string
  strategy: Strategy
  opIds: string[]
  local: Widget | null
  remote: Widget | null
  remoteVersion: number
  fields: string[]
}

/** 1 + backgroundSync.MAX_RETRIES deliveries, then `retries_exhausted`. */
export const MAX_DELIVERIES = 4
/** The package keeps the last 50 conflicts and rollbacks. */
export const HISTORY_LIMIT = 50

// ---------------------------------------------------------------------------------------------
// Pure helpers

/** Structural equality of JSON-like data; an `undefined` property counts as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
  if (ka.length !== kb.length) return false
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/** What a mutation does to a widget (the same `apply` the test widgets declare; null stays null). */
export function applyMutation(widget: Widget | null, mutation: MutationName, args: Args): Widget | null {
  if (widget === null) return null
  if (mutation === 'updateWidget') return { ...widget, value: (args as { value: number }).value }
  return { ...widget, title: (args as { title: string }).title }
}

/** One op applied to the view below it: its protected fields keep the value below. */
export function applyOp(below: Widget | null, op: { mutation: string; args: unknown; protectedFields?: string[] }): Widget | null {
  const next = applyMutation(below, op.mutation as MutationName, op.args as Args)
  if (next === null || below === null || !op.protectedFields?.length) return next
  const out: Record<string, unknown> = { ...next }
  for (const f of op.protectedFields) {
    if (Object.hasOwn(below, f)) out[f] = (below as unknown as Record<string, unknown>)[f]
    else delete out[f]
  }
  return out as unknown as Widget
}

/** Invariant 1: the view is the pending ops, in lane order, applied to confirmed. */
export function fold(confirmed: Widget | null, ops: ReadonlyArray<{ mutation: string; args: unknown; protectedFields?: string[] }>): Widget | null {
  return ops.reduce<Widget | null>(applyOp, confirmed)
}

/** Top-level fields whose values differ between two widgets (null counts as {}). */
export function changedFields(from: Widget | null, to: Widget | null): string[] {
  const a = (from ?? {}) as Record<string, unknown>
  const b = (to ?? {}) as Record<string, unknown>
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].filter((k) => !deepEqual(a[k], b[k])).sort()
}

// ---------------------------------------------------------------------------------------------
// The model reducer

type AnyAction = { type: string; payload?: any }

export interface Update {
  key: string
  version: number
  value: Widget | null
  opId?: string
  opIds?: string[]
}

export class Model {
  entities: Record<string, ModelEntity> = {}
  lanes: Record<string, ModelOp[]> = {}
  rollbacks: ModelRollback[] = []
  conflicts: ModelConflict[] = []

  constructor(
    readonly strategy: Strategy,
    readonly types: { mutation: Record<string, MutationName>; prefix: string },
  ) {}

  view(key: string): Widget | null {
    const e = this.entities[key]
    return e ? fold(e.confirmed, this.lanes[key] ?? []) : null
  }
  pending(): ModelOp[] {
    return Object.values(this.lanes).flat()
  }
  find(opId: string): ModelOp | undefined {
    return this.pending().find((op) => op.opId === opId)
  }

  reduce(action: AnyAction): void {
    const p = action.payload
    const mutation = this.types.mutation[action.type]
    if (mutation) return this.create(p.opId, mutation, p.key, p.args)
    switch (action.type.slice(this.types.prefix.length)) {
      case 'optimistic/opsSent':
        for (const ref of p.ops) {
          const op = this.find(ref.opId)
          if (op) {
            op.status = 'sent'
            op.attempts += 1
          }
        }
        return
      case 'optimistic/opAcked': {
        const op = this.find(p.opId)
        if (op) return this.confirm(op, p.hasValue ? { version: p.version, value: p.value } : p.version !== undefined ? { version: p.version } : undefined)
        // A late or duplicate ACK: its value is an ordinary update (ignored unless newer).
        if (p.hasValue && p.version !== undefined) this.update({ key: p.key, version: p.version, value: p.value, opIds: [p.opId] })
        return
      }
      case 'optimistic/opNacked': {
        const op = this.find(p.opId)
        if (!op) return
        // A NACK of a delivery made on a version a kept conflict replaced: sent again, if it can be.
        if (op.stale && op.attempts < MAX_DELIVERIES) return this.requeue(op)
        if (!p.retryable) return this.rollback(op, 'rejected', p.reason)
        return this.retry(op, p.reason)
      }
      case 'optimistic/opTimedOut': {
        const op = this.find(p.opId)
        if (op && op.status === 'sent') this.retry(op)
        return
      }
      case 'optimistic/confirm': {
        const op = this.find(p.opId)
        if (op) this.confirm(op, p.hasValue || p.version !== undefined ? { version: p.version, value: p.value, hasValue: p.hasValue } : undefined)
        return
      }
      case 'optimistic/rollback': {
        const op = this.find(p.opId)
        if (op) this.rollback(op, 'manual')
        return
      }
      case 'collections/entitiesUpdated':
        for (const u of p.updates) this.update(u)
        return
      case 'connection/closed':
        for (const op of this.pending()) if (op.status === 'sent') this.requeue(op)
        return
    }
  }

  /** Seeds a key (what the server said before the test began). */
  seed(key: string, version: number, value: Widget): void {
    this.entities[key] = { confirmed: value, version }
  }

  private create(opId: string, mutation: MutationName, key: string, args: Args): void {
    const entity = (this.entities[key] ??= { confirmed: null, version: 0 })
    ;(this.lanes[key] ??= []).push({ opId, mutation, key, args, baseVersion: entity.version, status: 'queued', attempts: 0 })
  }

  private remove(op: ModelOp): number {
    const lane = this.lanes[op.key]!
    const index = lane.indexOf(op)
    lane.splice(index, 1)
    if (lane.length === 0) delete this.lanes[op.key]
    return index
  }

  /** Confirmation: the op leaves; confirmed moves to the server's when newer; later ops move up. */
  private confirm(op: ModelOp, server?: { version?: number; value?: unknown; hasValue?: boolean }): void {
    const entity = this.entities[op.key]!
    const index = this.remove(op)
    const hasValue = server !== undefined && server.hasValue !== false && Object.hasOwn(server, 'value')
    if (server?.version !== undefined && server.version > entity.version) {
      entity.confirmed = hasValue ? (server.value as Widget | null) : applyMutation(entity.confirmed, op.mutation, op.args)
      entity.version = server.version
    } else if (!hasValue && server?.version === undefined) {
      entity.confirmed = applyMutation(entity.confirmed, op.mutation, op.args)
    }
    this.moveUp(op.key, index)
  }

  /** "Ops made after it on the same key now stand on the new version": the version now held. */
  private moveUp(key: string, from: number): void {
    const held = this.entities[key]!.version
    for (const later of (this.lanes[key] ?? []).slice(from)) later.baseVersion = Math.max(later.baseVersion, held)
  }

  private rollback(op: ModelOp, code: string, serverReason?: string): void {
    this.remove(op)
    this.rollbacks.push({ opId: op.opId, mutation: op.mutation, key: op.key, args: op.args, code, ...(serverReason !== undefined ? { serverReason } : {}) })
  }

  /**
   * A retryable NACK or a timeout: sent again until delivered MAX_DELIVERIES times; then
   * `retries_exhausted` (with the server's reason when the last answer was a NACK).
   */
  private retry(op: ModelOp, serverReason?: string): void {
    if (op.attempts >= MAX_DELIVERIES) this.rollback(op, 'retries_exhausted', serverReason)
    else this.requeue(op)
  }

  private requeue(op: ModelOp): void {
    op.status = 'queued'
    delete op.stale
  }

  update(u: Update): void {
    const entity = (this.entities[u.key] ??= { confirmed: null, version: 0 })
    const ids = new Set([...(u.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])])
    const local = this.view(u.key)
    const own = (this.lanes[u.key] ?? []).filter((op) => ids.has(op.opId))
    // "Its opId": a coalesced update's `opId` is the one of the change that won (the newest);
    // the other opIds only confirm their ops. So a batch behaves like its updates one by one.
    if (u.opId !== undefined && own.some((op) => op.opId === u.opId)) {
      for (const op of own) this.confirm(op, { version: u.version, value: u.value })
      return
    }
    for (const op of own) this.moveUp(op.key, this.remove(op))
    if (!(u.version > entity.version)) return
    const rest = this.lanes[u.key] ?? []
    if (rest.length === 0) {
      entity.confirmed = u.value
      entity.version = u.version
      return
    }
    this.conflict(entity, rest, u, local)
  }

  /** `local` is the view before the update arrived. */
  private conflict(entity: ModelEntity, lane: ModelOp[], u: Update, local: Widget | null): void {
    const base = entity.confirmed
    const remote = u.value
    const bothChanged = changedFields(base, local).filter((f) => changedFields(base, remote).includes(f))
    this.conflicts.push({ key: u.key, strategy: this.strategy, opIds: lane.map((op) => op.opId), local, remote, remoteVersion: u.version, fields: bothChanged })
    const remoteChanged = changedFields(base, remote)
    entity.confirmed = remote
    entity.version = u.version
    if (this.strategy === 'REMOTE_WINS') {
      for (const op of [...lane]) this.rollback(op, 'conflict')
      return
    }
    // The ops stay on top, on the new version, and are sent again; one whose delivery on the old
    // version is on the wire waits for its answer first (one copy on the wire).
    for (const op of lane) {
      op.baseVersion = u.version
      if (op.status === 'sent') op.stale = true
      if (this.strategy === 'MERGE' && remoteChanged.length > 0) {
        op.protectedFields = [...new Set([...(op.protectedFields ?? []), ...remoteChanged])].sort()
      }
    }
  }
}
