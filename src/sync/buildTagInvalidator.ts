import type { UnknownAction } from '@reduxjs/toolkit'
import type { CollectionsState, EntityRecord } from '../collections/types'
import type { MiddlewareHandlerBuilder } from '../middleware/middlewareHandler'
import type { OptimisticActions } from '../optimistic/optimisticActions'
import { bucketGet } from '../util/buckets'
import type { Logger } from '../world/logger'
import type { SyncActions } from './syncActions'
import type { SyncInvalidateOptions, SyncResult } from './types'

// The server's side of an entity changed: its version, or its value (a snapshot's deletion keeps the version).
const changed = (before: EntityRecord | undefined, after: EntityRecord | undefined) =>
  before?.version !== after?.version || before?.confirmed !== after?.confirmed

/**
 * The RTK Query bridge (`createRealtime({ sync: { invalidate } })`): after a live batch
 * (`entitiesUpdated`) or a sync result (`syncSucceeded`) changed entities on the server's side
 * (their version or confirmed value, not only a view), it dispatches
 * `api.util.invalidateTags(tags)` with what `tags({ collection, keys })` gives for each collection,
 * so RTK Query endpoints that provide those tags refetch. A `tags` that throws is logged.
 */
export const buildTagInvalidator = (
  actions: { entitiesUpdated: OptimisticActions['entitiesUpdated']; syncSucceeded: SyncActions['syncSucceeded'] },
  selectCollections: (state: unknown) => CollectionsState,
  invalidate: SyncInvalidateOptions,
  logger: Logger,
): MiddlewareHandlerBuilder => () => ({
  types: [actions.entitiesUpdated.type, actions.syncSucceeded.type],
  after(action, api, stateBefore) {
    const touched = (action as UnknownAction & { payload: Pick<SyncResult, 'updates'> & Partial<Pick<SyncResult, 'removals'>> }).payload
    const before = selectCollections(stateBefore)
    const after = selectCollections(api.getState())
    if (before === after) return
    const keysBy = new Map<string, Set<string>>()
    for (const { collection, key } of [...touched.updates, ...(touched.removals ?? [])]) {
      const was = before[collection]
      const now = after[collection]
      if (!now || was === now || !changed(was && bucketGet(was.entities, key), bucketGet(now.entities, key))) continue
      let keys = keysBy.get(collection)
      if (!keys) keysBy.set(collection, (keys = new Set()))
      keys.add(key)
    }
    const tags: unknown[] = []
    for (const [collection, keys] of keysBy) {
      try {
        tags.push(...invalidate.tags({ collection, keys: [...keys] }))
      } catch (error) {
        logger.error(`rtk-realtime: sync.invalidate.tags threw: ${(error as Error)?.message ?? String(error)}`)
      }
    }
    if (tags.length > 0) api.dispatch(invalidate.api.util.invalidateTags(tags))
  },
})
