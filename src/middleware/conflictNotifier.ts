import type { OptimisticActions } from '../optimistic/optimisticActions'
import type { Conflict, OptimisticState } from '../optimistic/types'
import type { Logger } from '../world/logger'
import type { MiddlewareHandlerBuilder } from './middlewareHandler'

/**
 * Tells `onConflict` of every conflict the reducers recorded. A throwing callback is the user's
 * bug: it is logged and must not break the dispatch that found the conflict.
 */
export const buildConflictNotifier = (
  actions: OptimisticActions,
  optimisticOf: (state: unknown) => OptimisticState,
  onConflict: (conflict: Conflict) => void,
  logger: Logger,
  /** Other actions that apply entity updates (a sync result). */
  updateTypes: readonly string[] = [],
): MiddlewareHandlerBuilder => () => ({
  // Conflicts come from entity updates, and from the value of a late ACK or confirm.
  types: [actions.entitiesUpdated.type, actions.opAcked.type, actions.confirm.type, ...updateTypes],
  after(_action, api, stateBefore) {
    const before = optimisticOf(stateBefore).conflicts
    const after = optimisticOf(api.getState()).conflicts
    if (before === after) return
    for (const conflict of after.filter((c) => !before.includes(c))) {
      try {
        onConflict(conflict)
      } catch (error) {
        logger.error(`rtk-realtime: onConflict threw: ${(error as Error)?.message ?? String(error)}`)
      }
    }
  },
})
