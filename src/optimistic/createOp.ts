import type { DataContext } from './dataContext'
import { DataTransaction, type DataState } from './dataTransaction'
import type { CompiledMutation } from './defineMutations'
import type { MutationPayload } from './optimisticActions'
import type { Op } from './types'
import { tryApplyOp } from './applyOp'
import type { RealtimeError } from '../world/serializeError'

/**
 * A mutation action becomes an op at the end of its entity's lane; the view changes at once. A
 * debounced mutation called while an op of it still waits for its window folds into that op.
 */
export function createOp(context: DataContext, state: DataState, mutation: CompiledMutation, payload: MutationPayload): DataState {
  const tx = new DataTransaction(state)
  // The middleware refuses it before it gets here; a store without it must not grow past the bound either.
  if (tx.count >= context.options.maxPending) return state
  const { collection, key } = payload
  const record = tx.entity(collection, key)
  const lane = tx.lane(collection, key)
  const last = lane[lane.length - 1]
  if (
    mutation.debounceMs > 0 && last && last.mutation === mutation.name && last.status === 'queued' &&
    last.notBefore !== undefined && payload.createdAt < last.notBefore &&
    // A call made after a MERGE took fields from the waiting op is a new intent: its own op.
    !last.protectedFields
  ) {
    // Folded into the waiting op: the view follows this call, one op goes out for the window.
    context.writeLane(tx, collection, key, [...lane.slice(0, -1), { ...last, args: payload.args }], record)
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
