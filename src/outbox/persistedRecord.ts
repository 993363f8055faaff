import type { CompiledMutation } from '../optimistic/defineMutations'
import type { Op } from '../optimistic/types'
import { isPlainObject } from '../util/isPlainObject'
import type { PersistedBase } from './outboxActions'

/** The version of the persisted record format written by this release. */
export const RECORD_VERSION = 1

/**
 * One persisted op, as JSON under its opId. `order` is the op's place in the outbox (creation
 * order across keys, kept across reloads); `owner` the instance (page) that writes it, so two
 * pages of one user never replay each other's ops while both are alive; `base` the confirmed
 * entity the op stood on when written, so a reload can show the same view before the server
 * answers.
 */
export interface PersistedRecord {
  v: typeof RECORD_VERSION
  order: number
  owner: string
  op: PersistedOp
  base: { confirmed: unknown; version: number } | null
}

/** What of an op survives a reload: no timers (sentAt, notBefore, retryAt) and no transient flags. */
export type PersistedOp = Pick<Op, 'opId' | 'mutation' | 'collection' | 'key' | 'args' | 'baseVersion' | 'attempts' | 'createdAt'> &
  Partial<Pick<Op, 'retries' | 'earlierUnanswered' | 'protectedFields' | 'lastError'>> & { manual?: boolean }

/** Whether an op belongs in the persisted outbox: pending and not yet settled by the server. */
export const isPersisted = (op: Op): boolean => op.status === 'queued' || op.status === 'sent' || op.status === 'manual'

/** The persisted form of an op. */
export function persistedOpOf(op: Op): PersistedOp {
  const out: PersistedOp = {
    opId: op.opId, mutation: op.mutation, collection: op.collection, key: op.key, args: op.args,
    baseVersion: op.baseVersion, attempts: op.attempts, createdAt: op.createdAt,
  }
  if (op.retries) out.retries = op.retries
  if (op.earlierUnanswered) out.earlierUnanswered = true
  if (op.protectedFields) out.protectedFields = op.protectedFields
  if (op.lastError) out.lastError = op.lastError
  if (op.status === 'manual') out.manual = true
  return out
}

/** Whether two ops persist the same (a status change from queued to sent, say, needs no write). */
export function samePersisted(a: Op, b: Op): boolean {
  return a.args === b.args && a.baseVersion === b.baseVersion && a.attempts === b.attempts && a.retries === b.retries &&
    a.earlierUnanswered === b.earlierUnanswered && a.protectedFields === b.protectedFields && a.lastError === b.lastError &&
    (a.status === 'manual') === (b.status === 'manual')
}

/** What a stored entry decodes to: the op back in its lane's shape, or why it cannot be used. */
export type Decoded = { op: Op; base: PersistedBase | null; order: number; owner: string } | { reason: string }

/** Turns a record written by an older release into the current one; see `outbox.migrate`. */
export type MigrateRecord = (record: Record<string, unknown>, fromVersion: number) => unknown

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0
const isNonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== ''

/**
 * Reads one stored entry back. Everything is checked, because storage is outside the package's
 * control (another release, another library, a user with DevTools): bad JSON, an unknown version
 * that `migrate` does not turn into this one, an unknown mutation, a key that is not its opId.
 */
export function decodeRecord(key: string, text: string, mutations: ReadonlyMap<string, CompiledMutation>, migrate?: MigrateRecord): Decoded {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { reason: 'not JSON' }
  }
  if (!isPlainObject(raw)) return { reason: 'not an object' }
  let record: Record<string, unknown> = raw
  if (record.v !== RECORD_VERSION) {
    const from = record.v
    if (!migrate) return { reason: `unknown record version ${JSON.stringify(from)} (this release writes ${RECORD_VERSION}; pass outbox.migrate to read older ones)` }
    let migrated: unknown
    try {
      migrated = migrate(record, typeof from === 'number' ? from : NaN)
    } catch (error) {
      return { reason: `outbox.migrate threw on a version ${JSON.stringify(from)} record: ${error instanceof Error ? error.message : String(error)}` }
    }
    if (!isPlainObject(migrated) || migrated.v !== RECORD_VERSION) return { reason: `outbox.migrate did not return a version ${RECORD_VERSION} record for version ${JSON.stringify(from)}` }
    record = migrated
  }
  const { op, base, order, owner } = record
  if (!isPlainObject(op)) return { reason: 'no op' }
  if (!isNonEmpty(op.opId) || op.opId !== key) return { reason: `its op id ${JSON.stringify(op.opId)} is not its key` }
  const mutation = typeof op.mutation === 'string' ? mutations.get(op.mutation) : undefined
  if (!mutation) return { reason: `unknown mutation ${JSON.stringify(op.mutation)}` }
  if (op.collection !== mutation.collection) return { reason: `collection ${JSON.stringify(op.collection)} is not ${mutation.name}'s (${mutation.collection})` }
  if (!isNonEmpty(op.key)) return { reason: 'its entity key is not a non-empty string' }
  if (!isCount(op.baseVersion) || !isCount(op.attempts) || (op.retries !== undefined && !isCount(op.retries))) return { reason: 'baseVersion, attempts or retries is not a count' }
  if (typeof op.createdAt !== 'number' || !Number.isFinite(op.createdAt)) return { reason: 'createdAt is not a time' }
  if (!Object.hasOwn(op, 'args')) return { reason: 'no args' }
  if (op.protectedFields !== undefined && !(Array.isArray(op.protectedFields) && op.protectedFields.every((f) => typeof f === 'string'))) return { reason: 'protectedFields is not a list of field names' }
  if (!isCount(order)) return { reason: 'no order' }
  if (base !== null && !(isPlainObject(base) && isCount(base.version) && Object.hasOwn(base, 'confirmed'))) return { reason: 'base is not { confirmed, version }' }
  return {
    op: rehydratedOp(op as unknown as PersistedOp, mutation),
    base: base ? { collection: mutation.collection, key: op.key as string, confirmed: base.confirmed, version: base.version as number } : null,
    order,
    owner: typeof owner === 'string' ? owner : '',
  }
}

// Back in a lane: queued again (a delivery made before the reload got no answer we know of, so
// the server may have applied it: a rollback of it can only be in doubt).
function rehydratedOp(p: PersistedOp, mutation: CompiledMutation): Op {
  const op: Op = {
    opId: p.opId, mutation: p.mutation, collection: p.collection, key: p.key, args: p.args,
    baseVersion: p.baseVersion, status: p.manual || mutation.transport === 'manual' ? 'manual' : 'queued',
    attempts: p.attempts, createdAt: p.createdAt,
  }
  if (p.retries) op.retries = p.retries
  if (p.earlierUnanswered || p.attempts > 0) op.earlierUnanswered = true
  if (p.protectedFields) op.protectedFields = p.protectedFields
  if (p.lastError && typeof p.lastError === 'object') op.lastError = p.lastError
  return op
}
