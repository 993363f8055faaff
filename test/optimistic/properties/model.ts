/**
 * An independent reference model of the optimistic core, written from the README's
 * "Collections and optimistic updates" section (through "What a server must do") and the issue-6
 * spec (/work/notes/issue6-spec.md, its CHANGES overriding the text above them), not from src/.
 * The server it is checked against is in ./fakeServer.ts.
 *
 * The model is a reducer over the same actions the package's reducer takes, on a much simpler
 * state: per key a confirmed value and version, per key a lane of ops (those in `doubt`
 * included), and the full (unbounded) history of rollbacks, conflicts and confirmed opIds.
 *
 * Where the README leaves a point open, the model follows the lead's settlement of it (the brief
 * of the model's second round): a late ACK/confirm with a value of a rolled-back op, and an update
 * whose winning opId is a rolled-back op, are that op's own effect (no conflict); a confirmation
 * with a value settles the `acked` ops it reaches; `recentlyConfirmed` lists ops confirmed (not
 * ops in doubt, whose records get `appliedAfterAll` instead).
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

/**
 * README "State": `queued` waits its turn; `sent` is on the wire (`attempts` deliveries so far);
 * `acked` was ACKed without a value at a version not seen yet (`ackedVersion`); `doubt` was rolled
 * back (by a REMOTE_WINS conflict or by `rollback(opId)`) while on the wire and only holds its
 * lane's turn until its answer.
 */
export type ModelStatus = 'queued' | 'sent' | 'acked' | 'doubt'

export interface ModelOp {
  opId: string
  mutation: MutationName
  key: string
  args: Args
  baseVersion: number
  status: ModelStatus
  attempts: number
  /**
   * README "The life of an op": retries counted against MAX_RETRIES (a retryable NACK, or no
   * answer in time); a delivery lost with its socket, or a stale delivery's refusal, is not counted.
   */
  retries: number
  protectedFields?: string[]
  /** Kept by a LOCAL_WINS/MERGE conflict while its delivery on the old version was on the wire. */
  staleDelivery?: boolean
  /** With status `acked`: the version the server said it applied the op at. */
  ackedVersion?: number
  /**
   * README "State": "a delivery of it got no answer, so its rollback can only be in doubt": set
   * when a delivery is re-queued unanswered (its timeout, or `deliveriesLost`).
   */
  earlierUnanswered?: boolean
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
  code: 'rejected' | 'retries_exhausted' | 'conflict' | 'manual'
  serverReason?: string
  inDoubt?: boolean
  appliedAfterAll?: boolean
}

export interface ModelConflict {
  key: string
  strategy: Strategy
  opIds: string[]
  inFlight: string[]
  local: Widget | null
  remote: Widget | null
  remoteVersion: number
  fields: string[]
}

/** backgroundSync.MAX_RETRIES counted retries after the first delivery, then `retries_exhausted`. */
export const MAX_RETRIES = 3
/** The package keeps the last 50 conflicts, rollbacks and recently confirmed opIds. */
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

/**
 * README, MERGE: "the protected fields are left out of the `data` it is sent with (when its args
 * are an object: args are read as a patch of entity fields)". `id` names the entity.
 */
export function sentArgs(op: { args: unknown; protectedFields?: string[] }): Record<string, unknown> {
  const data = { ...(op.args as Record<string, unknown>) }
  for (const f of op.protectedFields ?? []) if (f !== 'id') delete data[f]
  return data
}

/**
 * MERGE "merged away" (the brief: "an op, not on the wire, whose effect on the view is nothing
 * after protection"; README: "an op left with no field to change"): applied, with its protected
 * fields, on the view below it, it changes nothing.
 */
export function mergedAway(below: Widget | null, op: { mutation: string; args: unknown; protectedFields?: string[] }): boolean {
  return deepEqual(applyOp(below, op), below)
}

/** The newest record of an op in a list of rollback records. */
export function findLastRecord<R extends { opId: string }>(records: readonly R[], opId: string): R | undefined {
  for (let i = records.length - 1; i >= 0; i--) if (records[i]!.opId === opId) return records[i]
  return undefined
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

/** What a confirmation says about the server: `hasValue` with `value`, and/or a `version`. */
interface ServerSays {
  version?: number
  value?: unknown
  hasValue: boolean
}

export class Model {
  entities: Record<string, ModelEntity> = {}
  /** Every op of every lane, oldest first: those in `doubt` included. */
  lanes: Record<string, ModelOp[]> = {}
  rollbacks: ModelRollback[] = []
  conflicts: ModelConflict[] = []
  /** Every op confirmed, in the order confirmed (the package keeps the last 50: `recentlyConfirmed`). */
  confirmed: string[] = []

  constructor(
    readonly strategy: Strategy,
    readonly types: { mutation: Record<string, MutationName>; prefix: string },
  ) {}

  /** The view: confirmed with the pending ops (all but those in doubt) applied in lane order. */
  view(key: string): Widget | null {
    const e = this.entities[key]
    return e ? fold(e.confirmed, this.pendingIn(key)) : null
  }
  pendingIn(key: string): ModelOp[] {
    return (this.lanes[key] ?? []).filter((op) => op.status !== 'doubt')
  }
  /** The pending ops (what `count` and the pending selectors hold): not those in doubt. */
  pending(): ModelOp[] {
    return this.all().filter((op) => op.status !== 'doubt')
  }
  /** Every op of the lanes (what the op index holds). */
  all(): ModelOp[] {
    return Object.values(this.lanes).flat()
  }
  find(opId: string): ModelOp | undefined {
    return this.all().find((op) => op.opId === opId)
  }
  /** The record of a rolled-back op, among the last 50 the package keeps. */
  recentRecord(opId: string): ModelRollback | undefined {
    return findLastRecord(this.rollbacks.slice(-HISTORY_LIMIT), opId)
  }
  /** `optimistic.recentlyConfirmed`: the last 50 ops confirmed. */
  recentlyConfirmed(): string[] {
    return this.confirmed.slice(-HISTORY_LIMIT)
  }

  reduce(action: AnyAction): void {
    const p = action.payload
    const mutation = this.types.mutation[action.type]
    if (mutation) return this.create(p.opId, mutation, p.key, p.args)
    switch (action.type.slice(this.types.prefix.length)) {
      case 'optimistic/opsSent':
        // Each op's next delivery: `attempts` counts them.
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
        if (op) return this.confirm(op, { version: p.version, value: p.value, hasValue: p.hasValue })
        // "An ACK ... for an op rolled back meanwhile is checked against the rollback record":
        // the server applied it after all; its value is that op's own effect.
        return this.lateConfirmation(p.opId, { version: p.version, value: p.value, hasValue: p.hasValue })
      }
      case 'optimistic/opNacked': {
        const op = this.find(p.opId)
        // A NACK of a rolled-back op changes nothing; an op already ACKed ignores it; a NACK
        // answering an older delivery than the latest changes nothing (the latest's answer decides).
        if (!op || op.status === 'acked') return
        if (p.attempt !== undefined && p.attempt < op.attempts) return
        // In doubt: the record (made when it was rolled back) was true; the op leaves.
        if (op.status === 'doubt') return void this.remove(op)
        // A NACK of a delivery made on a version a kept conflict replaced (LOCAL_WINS/MERGE): "sends
        // it again against the new version instead of rolling it back", as a retryable one: once
        // its deliveries are spent, `retries_exhausted` with the server's reason.
        if (!p.retryable && !op.staleDelivery) return this.rollback(op, 'rejected', { serverReason: p.reason })
        return this.retry(op, { serverReason: p.reason })
      }
      case 'optimistic/opTimedOut': {
        const op = this.find(p.opId)
        if (!op || p.attempt !== op.attempts) return
        if (op.status === 'doubt') return this.leaveInDoubt(op)
        // Sent again while it can be (that delivery was never answered); then `retries_exhausted`, in doubt.
        if (op.status === 'sent') this.retry(op, { inDoubt: true })
        return
      }
      case 'optimistic/confirm': {
        const op = this.find(p.opId)
        const server: ServerSays = { version: p.version, value: p.value, hasValue: p.hasValue }
        if (op) return this.confirm(op, server)
        return this.lateConfirmation(p.opId, server)
      }
      case 'optimistic/rollback': {
        const op = this.find(p.opId)
        if (!op) return
        // "rollback(opId) of an op already in doubt stops waiting (inDoubt)".
        if (op.status === 'doubt') return this.leaveInDoubt(op)
        // "An op whose delivery is on the wire cannot be taken back: its record is made at once and
        // it leaves the view, but it holds its lane in status doubt until its answer".
        if (op.status === 'sent') return this.toDoubt(op, 'manual')
        this.rollback(op, 'manual')
        // An acked op was applied by the server: its record says so, or it would not be true
        // (README: "a record is true"; what rollback(opId) of an acked op does is not written down).
        if (op.status === 'acked') this.markApplied(op.opId)
        return
      }
      case 'collections/entitiesUpdated':
        for (const u of p.updates) this.update(u)
        return
      case 'optimistic/deliveriesLost':
        // The deliveries on the socket are unanswered: sent ops go out again on the next one (their
        // rollback can now only be in doubt); an op in doubt is never sent again, so it leaves and
        // its record says nobody knows.
        for (const op of this.all()) {
          if (op.status === 'sent') this.requeue(op, true)
          else if (op.status === 'doubt') this.leaveInDoubt(op)
        }
        return
    }
  }

  /** Seeds a key (what the server said before the test began). */
  seed(key: string, version: number, value: Widget): void {
    this.entities[key] = { confirmed: value, version }
  }

  private create(opId: string, mutation: MutationName, key: string, args: Args): void {
    const entity = (this.entities[key] ??= { confirmed: null, version: 0 })
    const lane = (this.lanes[key] ??= [])
    // "baseVersion = the entity's version"; an op made after an `acked` one stands on the version
    // the server applied that one at ("the ops after it stand on V").
    const baseVersion = Math.max(entity.version, ...lane.map((op) => op.ackedVersion ?? 0))
    lane.push({ opId, mutation, key, args, baseVersion, status: 'queued', attempts: 0, retries: 0 })
  }

  private remove(op: ModelOp): number {
    const lane = this.lanes[op.key]!
    const index = lane.indexOf(op)
    lane.splice(index, 1)
    if (lane.length === 0) delete this.lanes[op.key]
    return index
  }

  /** An op leaves its lane confirmed: it joins `recentlyConfirmed` (an op in doubt does not: its record says applied after all). */
  private settled(op: ModelOp): void {
    this.remove(op)
    if (op.status === 'doubt') this.markApplied(op.opId)
    else this.confirmed.push(op.opId)
  }

  /**
   * Confirmation of an op in its lane (ACK, `confirm`, the broadcast of its effect). README "The
   * life of an op" 3: with a value, `confirmed` becomes it if its version is newer (and the acked
   * ops it reaches are in it); without one, version <= held: held includes it; <= held + 1: the op
   * applied to confirmed at that version; higher: the op becomes `acked` (an op in doubt simply
   * leaves instead). An op with `protectedFields` is handled so whenever the version is above the
   * held one. `confirm(opId)` with nothing applies the op and keeps the version. An op in doubt: its
   * record gets `appliedAfterAll`.
   */
  private confirm(op: ModelOp, server: ServerSays): void {
    const entity = this.entities[op.key]!
    const { version } = server
    if (server.hasValue) {
      if (version !== undefined && version > entity.version) {
        entity.confirmed = server.value as Widget | null
        entity.version = version
      }
    } else if (version === undefined) {
      entity.confirmed = applyOp(entity.confirmed, op)
    } else if (version > entity.version + (op.protectedFields?.length ? 0 : 1)) {
      // (An op with protectedFields is "treated the same way whatever the version": its deliveries
      // may differ, so the client cannot work the value out; in doubt too, where "the same way" is
      // to leave and let the update of that version bring the value.)
      // "The ops after it stand on V" (the whole lane re-stands, as after any confirmation). An op
      // in doubt simply leaves instead; the ops after it stand on V all the same ("no conflict for
      // the ops made after it": its own broadcast at V is no conflict for them).
      this.restand(op.key, version)
      if (op.status === 'doubt') return this.settled(op)
      op.status = 'acked'
      op.ackedVersion = version
      delete op.staleDelivery
      return
    } else if (version > entity.version) {
      entity.confirmed = applyOp(entity.confirmed, op)
      entity.version = version
    }
    this.settled(op)
    this.moveUp(op.key)
    this.settleAcked(op.key)
  }

  /**
   * A confirmation of an op no longer in its lane: only a rolled-back one (in the last 50) has a
   * record to correct. With a value (and a version) it is that op's own effect, like its broadcast:
   * no conflict for the ops of the key, which stand on its version.
   */
  private lateConfirmation(opId: string, server: ServerSays): void {
    const record = this.recentRecord(opId)
    if (!record) return
    record.appliedAfterAll = true
    if (server.hasValue && server.version !== undefined) {
      this.update({ key: record.key, version: server.version, value: server.value as Widget | null, opId, opIds: [opId] })
    }
  }

  /**
   * "Ops made after a confirmed op on the same key now stand on the new version". The package
   * re-stands the whole lane on the version now held (ops before it too: an undocumented detail
   * that changes nothing a server sees but `baseVersion`; accepted here).
   */
  private moveUp(key: string): void {
    this.restand(key, this.entities[key]!.version)
  }

  private restand(key: string, version: number): void {
    for (const op of this.lanes[key] ?? []) op.baseVersion = Math.max(op.baseVersion, version)
  }

  /**
   * An `acked` op leaves once the version it was applied at is held: "it leaves when an update of
   * at least that version arrives"; and a confirmation with a value at such a version holds its
   * effect already (keeping it would apply it again, over the ops made after it).
   */
  private settleAcked(key: string, held = this.entities[key]!.version): void {
    for (const op of [...(this.lanes[key] ?? [])]) {
      if (op.status !== 'acked' || op.ackedVersion! > held) continue
      this.settled(op)
      this.moveUp(key)
    }
  }

  private rollback(op: ModelOp, code: ModelRollback['code'], extra: { serverReason?: string; inDoubt?: boolean } = {}): void {
    this.remove(op)
    this.record(op, code, extra)
  }

  /** Every record of an op one of whose deliveries went unanswered is in doubt, whatever its code. */
  private record(op: ModelOp, code: ModelRollback['code'], { serverReason, inDoubt }: { serverReason?: string; inDoubt?: boolean } = {}): void {
    this.rollbacks.push({
      opId: op.opId,
      mutation: op.mutation,
      key: op.key,
      args: op.args,
      code,
      ...(serverReason !== undefined ? { serverReason } : {}),
      ...(inDoubt || op.earlierUnanswered ? { inDoubt: true } : {}),
    })
  }

  /** Rolled back while its delivery is on the wire: recorded now, out of the view, holding its lane's turn. */
  private toDoubt(op: ModelOp, code: 'conflict' | 'manual'): void {
    op.status = 'doubt'
    this.record(op, code)
  }

  private markApplied(opId: string): void {
    const record = this.recentRecord(opId)
    if (record) record.appliedAfterAll = true
  }

  /** An op in doubt whose answer will never come (timeout, socket closed, rollback by hand). */
  private leaveInDoubt(op: ModelOp): void {
    this.remove(op)
    const record = this.recentRecord(op.opId)
    if (record) record.inDoubt = true
  }

  /**
   * A retryable NACK or a timeout: sent again while fewer than MAX_RETRIES retries were counted; then
   * `retries_exhausted` (with the server's reason when the last answer was a NACK, in doubt when
   * the last delivery got no answer).
   */
  private retry(op: ModelOp, reason: { serverReason?: string; inDoubt?: boolean }): void {
    // A refused delivery made on a version a kept conflict replaced is no verdict: again, uncounted.
    if (op.staleDelivery && !reason.inDoubt) return this.requeue(op, false)
    if (op.retries >= MAX_RETRIES) return this.rollback(op, 'retries_exhausted', reason)
    op.retries += 1
    this.requeue(op, !!reason.inDoubt)
  }

  /**
   * Back to `queued` for its next delivery (`unanswered`: the last one got no answer). An op a
   * MERGE kept that, where it stands in its lane, changes nothing in the view is not sent again:
   * it is rolled back, merged away ("An op left with no field to change is not sent").
   */
  private requeue(op: ModelOp, unanswered: boolean): void {
    op.status = 'queued'
    delete op.staleDelivery
    if (unanswered) op.earlierUnanswered = true
    if (!op.protectedFields?.length) return
    const lane = this.pendingIn(op.key)
    const below = fold(this.entities[op.key]!.confirmed, lane.slice(0, lane.indexOf(op)))
    if (mergedAway(below, op)) this.rollback(op, 'conflict')
  }

  update(u: Update): void {
    const entity = (this.entities[u.key] ??= { confirmed: null, version: 0 })
    const ids = new Set([...(u.opIds ?? []), ...(u.opId !== undefined ? [u.opId] : [])])
    const local = this.view(u.key)
    // "A broadcast whose opId(s) include a rolled-back op sets appliedAfterAll on that record."
    for (const id of ids) if (!this.find(id)) this.lateConfirmation(id, { hasValue: false })
    const own = (this.lanes[u.key] ?? []).filter((op) => ids.has(op.opId))
    // "Its opId": a coalesced update's `opId` is the one of the change that won (the newest);
    // the other opIds only confirm their ops. So a batch behaves like its updates one by one.
    if (u.opId !== undefined && own.some((op) => op.opId === u.opId)) {
      // (An acked op among them may have left already: the version it waited for is held.)
      for (const op of own) if (this.lanes[op.key]?.includes(op)) this.confirm(op, { version: u.version, value: u.value, hasValue: true })
      // An update of at least an acked op's version has arrived (whatever its opId).
      this.settleAcked(u.key, u.version)
      return
    }
    for (const op of own) {
      this.settled(op)
      this.moveUp(op.key)
    }
    // An `acked` op leaves when an update of at least its version arrives (whatever its opId).
    this.settleAcked(u.key, Math.max(u.version, entity.version))
    if (!(u.version > entity.version)) return
    // The newest change is a rolled-back op's own (late) effect: no conflict; the lane stands on it.
    const ownNewest = u.opId !== undefined && this.recentRecord(u.opId) !== undefined
    // A conflict: un-acked pending ops whose baseVersion is below the update's version. Updates
    // below an acked op's version are applied beneath it (the ops after it stand on that version).
    const rest = ownNewest ? [] : this.pendingIn(u.key).filter((op) => op.status !== 'acked' && op.baseVersion < u.version)
    if (rest.length === 0) {
      entity.confirmed = u.value
      entity.version = u.version
      this.restand(u.key, u.version)
      return
    }
    this.conflict(entity, rest, u, local)
  }

  /** `local` is the view before the update arrived. */
  private conflict(entity: ModelEntity, rest: ModelOp[], u: Update, local: Widget | null): void {
    const base = entity.confirmed
    const remote = u.value
    const remoteChanged = changedFields(base, remote)
    const bothChanged = changedFields(base, local).filter((f) => remoteChanged.includes(f))
    this.conflicts.push({
      key: u.key,
      strategy: this.strategy,
      opIds: rest.map((op) => op.opId),
      inFlight: rest.filter((op) => op.status === 'sent').map((op) => op.opId),
      local,
      remote,
      remoteVersion: u.version,
      fields: bothChanged,
    })
    entity.confirmed = remote
    entity.version = u.version
    if (this.strategy === 'REMOTE_WINS') {
      // Rolled back at once; one on the wire stays in its lane, in doubt, holding the lane's turn.
      for (const op of rest) {
        if (op.status === 'sent') this.toDoubt(op, 'conflict')
        else this.rollback(op, 'conflict')
      }
      return
    }
    // The ops stay on top, on the new version, and are sent again; one whose delivery on the old
    // version is on the wire waits for its answer first (one copy on the wire). MERGE protects the
    // fields the remote changed; an op not on the wire left with no field to change is rolled back.
    for (const op of rest) {
      op.baseVersion = u.version
      if (op.status === 'sent') op.staleDelivery = true
      if (this.strategy === 'MERGE' && remoteChanged.length > 0) op.protectedFields = [...new Set([...(op.protectedFields ?? []), ...remoteChanged])].sort()
    }
    if (this.strategy !== 'MERGE') return
    // Judged in lane order, each on the view below it (ops merged away before it left out).
    for (const op of rest) {
      if (op.status === 'sent') continue
      const lane = this.pendingIn(u.key)
      const below = fold(entity.confirmed, lane.slice(0, lane.indexOf(op)))
      if (mergedAway(below, op)) this.rollback(op, 'conflict')
    }
  }
}
