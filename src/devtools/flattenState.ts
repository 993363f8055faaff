import type { RealtimeState } from '../createRealtimeReducer'
import type { CollectionsState, EntityRecord } from '../collections/types'
import type { OptimisticState } from '../optimistic/types'
import { bucketEach, type Buckets } from '../util/buckets'
import { setOwn } from '../util/setOwn'

/**
 * The realtime state as DevTools shows it: the same, but entities, lanes and the op index by key,
 * without the hash-bucket level (`collections.widgets.entities['w-1']`,
 * `optimistic.lanes['widgets/w-1']`, `optimistic.index[opId]`).
 */
export type RealtimeDevToolsState = Omit<RealtimeState, 'collections' | 'optimistic'> & {
  collections: Record<string, { entities: Record<string, EntityRecord> }>
  optimistic: Omit<OptimisticState, 'lanes' | 'index'> & {
    lanes: Record<string, OptimisticState['lanes'][string][string]>
    index: Record<string, OptimisticState['index'][string][string]>
  }
}

// Keyed by the bucketed maps themselves: a map the reducer did not touch (it returns the same
// object) is never flattened twice, whichever store or sanitizer call it comes from.
const flatMaps = new WeakMap<object, Record<string, unknown>>()
const flatSlices = new WeakMap<RealtimeState, RealtimeDevToolsState>()

/** A bucketed map by key, in a new object (the map is never written). */
function flatten<T>(map: Buckets<T>): Record<string, T> {
  let flat = flatMaps.get(map) as Record<string, T> | undefined
  if (!flat) {
    flat = {}
    const into = flat
    bucketEach(map, (value, key) => setOwn(into, key, value))
    flatMaps.set(map, flat)
  }
  return flat
}

function flattenCollections(collections: CollectionsState): RealtimeDevToolsState['collections'] {
  const flat: RealtimeDevToolsState['collections'] = {}
  for (const name of Object.keys(collections)) {
    const collection = collections[name]!
    setOwn(flat, name, { ...collection, entities: flatten(collection.entities) })
  }
  return flat
}

/**
 * The realtime slice without hash buckets, memoized on the slice (and on each bucketed map), so a
 * sanitizer that runs after every action costs a lookup while the slice is unchanged and walks
 * only the maps that changed. Pure: the state is read, never written.
 */
export function flattenRealtimeState(slice: RealtimeState): RealtimeDevToolsState {
  let flat = flatSlices.get(slice)
  if (!flat) {
    flat = {
      ...slice,
      collections: flattenCollections(slice.collections),
      optimistic: { ...slice.optimistic, lanes: flatten(slice.optimistic.lanes), index: flatten(slice.optimistic.index) },
    }
    flatSlices.set(slice, flat)
  }
  return flat
}
