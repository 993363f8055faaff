import type { DataContext } from './dataContext'
import { DataTransaction, type DataState } from './dataTransaction'
import type { CompiledMutation } from './defineMutations'
import type { MutationPayload } from './optimisticActions'
import type { Op } from './types'
import { tryApplyOp } from './applyOp'
import type { RealtimeError } from '../world/serializeError'

/**
 * A mutation action becomes an op at the end of its entity's lane; the view changes at once. A
 * debounced mutation called while an op of it still waits for its window, or a compacting one
 * whose last op is still unsent, folds into that op.
 */
export function createOp(context: DataContext, state: DataState, mutation: CompiledMutation, payload: MutationPayload): DataState {
  const tx = new DataTransaction(state)
  // The middleware refuses it before it gets here; a store without it must not grow past the bound either.
  if (tx.count >= Math.min(context.options.maxPending, context.options.maxOutbox)) return state
  const { collection, key } = payload
  const record = tx.entity(collection, key)
  const lane = tx.lane(collection, key)
  const last = lane[lane.length - 1]
  const folded = last && foldInto(mutation, last, payload)
  if (folded) {
    // One op goes out for both calls; the view follows the later one.
    context.writeLane(tx, collection, key, [...lane.slice(0, -1), folded], record)
    return tx.commit()
  }
  const op: Op = {
    opId: payload.opId,
    mutation: mutation.name,
    collection,
    key,
    args: payload.args,
    baseVersion: record.version,
    status: mutation.transport === 'manual' ? 'manual' : 'queued',
    attempts: 0,
    createdAt: payload.createdAt,
  }
  if (mutation.debounceMs > 0 && op.status === 'queued') op.notBefore = payload.createdAt + mutation.debounceMs
  // An op made after acked ones stands on the version the server applied them at.
  for (const before of lane) if (before.ackedVersion !== undefined && before.ackedVersion > op.baseVersion) op.baseVersion = before.ackedVersion
  // Appending to the lane only needs the new op applied on top of the current view.
  let view = record.view
  if (context.options.optimistic) {
    const applied = tryApplyOp(record.view, op, mutation)
    if ('error' in applied) op.lastError = applyFailure(mutation, op, record.view, applied.error)
    else view = applied.value
  }
  tx.setLane(collection, key, [...lane, op])
  tx.setEntity(collection, key, { ...record, view })
  return tx.commit()
}

/**
 * The waiting op a call folds into, with the call's args, or undefined when the call is an op of
 * its own. Only an op never sent can take new args: a server that saw the opId once would answer
 * a replay with the old answer and drop the new args. A call made after a MERGE took fields from
 * the waiting op is a new intent, so it stays an op of its own too.
 */
function foldInto(mutation: CompiledMutation, last: Op, payload: MutationPayload): Op | undefined {
  if (last.mutation !== mutation.name || last.status !== 'queued' || last.attempts > 0 || last.protectedFields) return undefined
  // Debounce: the call lands inside the waiting op's window and replaces its args.
  if (mutation.debounceMs > 0 && last.notBefore !== undefined && payload.createdAt < last.notBefore) return { ...last, args: payload.args }
  // Compaction: consecutive unsent calls merge, as the mutation declared safe.
  if (!mutation.compact) return undefined
  try {
    return { ...last, args: mutation.compact(last.args, payload.args) }
  } catch {
    // A compact function that throws only costs the compaction: the call stays an op of its own.
    return undefined
  }
}

/** Why an op shows no effect: its recipe threw on the entity as the user saw it. */
function applyFailure(mutation: CompiledMutation, op: Op, view: unknown, thrown: string): RealtimeError {
  return {
    name: 'ApplyError',
    code: 'APPLY_FAILED',
    message:
      `rtk-realtime: mutations.${mutation.name}.apply threw on ${op.collection}/${op.key}` +
      `${view === null ? ' (the entity is not loaded or was deleted, so apply got null)' : ''}: ${thrown}; ` +
      'the op is sent, but the view did not show it when it was made',
  }
}
