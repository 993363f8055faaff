import type { DataState } from '../optimistic/dataTransaction'
import { opById } from '../optimistic/opLookup'
import type { CompiledMutation } from '../optimistic/defineMutations'
import type { MutationPayload, OptimisticActions } from '../optimistic/optimisticActions'
import type { Logger } from '../world/logger'
import type { MiddlewareHandlerBuilder } from './middlewareHandler'

interface MutationGuardOptions {
  actions: OptimisticActions
  mutationsByType: ReadonlyMap<string, CompiledMutation>
  selectData: (state: unknown) => DataState
  maxPending: number
  /** `backgroundSync.MAX_OUTBOX_SIZE` */
  maxOutbox: number
  logger: Logger
}

/**
 * Guards mutations at the edge. Before the reducers: with `optimistic.MAX_PENDING` ops pending
 * (or `backgroundSync.MAX_OUTBOX_SIZE` in the outbox, code `OUTBOX_FULL`), a further mutation is refused with a `mutationRefused` action instead (nothing pending is
 * touched). After them: an op whose `apply` threw on the entity (the reducer records it as the
 * op's `lastError`, code `APPLY_FAILED`) is reported through the logger, since a reducer cannot log.
 */
export const buildMutationGuard = ({ actions, mutationsByType, selectData, maxPending, maxOutbox, logger }: MutationGuardOptions): MiddlewareHandlerBuilder => () => ({
  types: [...mutationsByType.keys()],
  intercept(action, api) {
    const { count } = selectData(api.getState()).optimistic
    if (count < maxPending && count < maxOutbox) return undefined
    const mutation = mutationsByType.get(action.type)!
    const error = count >= maxOutbox
      ? {
          name: 'OutboxFullError',
          code: 'OUTBOX_FULL',
          message: `rtk-realtime: ${mutation.name} refused: the outbox holds ${count} ops not yet confirmed (config backgroundSync.MAX_OUTBOX_SIZE = ${maxOutbox}); nothing queued was dropped`,
        }
      : {
          name: 'MaxPendingError',
          code: 'MAX_PENDING',
          message: `rtk-realtime: ${mutation.name} refused: ${maxPending} ops are already pending (config optimistic.MAX_PENDING = ${maxPending})`,
        }
    const { args } = action.payload as MutationPayload
    return { result: api.dispatch(actions.mutationRefused({ mutation: mutation.name, args, error })), forward: false }
  },
  after(action, api) {
    const op = opById(selectData(api.getState()).optimistic, (action.payload as MutationPayload).opId)
    if (op?.lastError?.code === 'APPLY_FAILED') logger.error(op.lastError.message)
  },
})
