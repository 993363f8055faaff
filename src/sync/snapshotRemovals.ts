import type { CollectionsState, EntityUpdate } from '../collections/types'
import { bucketEach, bucketGet } from '../util/buckets'
import type { SnapshotRemoval } from './types'

/**
 * The entities a snapshot of `covered` collections leaves out: held (a value, a version above 0),
 * absent from `updates`, and unchanged between `before` (the state when the snapshot was asked
 * for) and `after` (now). An entity that changed meanwhile came from a live update newer than the
 * snapshot may be (a frame that overtook a delayed reply): it is kept.
 */
export function snapshotRemovals(before: CollectionsState, after: CollectionsState, covered: readonly string[], updates: readonly EntityUpdate[]): SnapshotRemoval[] {
  const present = new Map<string, Set<string>>()
  for (const { collection, key } of updates) {
    let keys = present.get(collection)
    if (!keys) present.set(collection, (keys = new Set()))
    keys.add(key)
  }
  const removals: SnapshotRemoval[] = []
  for (const collection of covered) {
    const now = after[collection]
    if (!now) continue
    const then = before[collection]?.entities ?? {}
    const kept = present.get(collection)
    bucketEach(now.entities, (record, key) => {
      if (record.confirmed === null || !(record.version > 0) || kept?.has(key)) return
      const old = bucketGet(then, key)
      if (old === undefined || old.version !== record.version || old.confirmed !== record.confirmed) return
      removals.push({ collection, key, version: record.version })
    })
  }
  return removals
}
