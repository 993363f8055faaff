import { shallowEqual, useMemo, useSelector, useStore } from './peers'
import type { Realtime } from '../createRealtime'
import type { Op } from '../optimistic/types'
import { useRealtimeFrom } from './RealtimeContext'
import { assertCollection } from './assertCollection'
import { quote } from './renamed'

/** The ops of `collection` (or all), filtered again only when `selectPendingOps` gives a new array (the lanes changed). */
function pendingOpsSelector(realtime: Realtime<string>, collection: string | undefined): (root: unknown) => readonly Op[] {
  let all: readonly Op[] | undefined
  let ops: readonly Op[] = []
  return (root) => {
    const next = realtime.selectors.selectPendingOps(root)
    if (next !== all) ops = collection === undefined ? next : next.filter((op) => op.collection === collection)
    all = next
    return ops
  }
}

/**
 * The ops not yet confirmed by the server (`selectPendingOps`: ops in `doubt` left out), oldest
 * first per entity: all of them, or those of one collection. The same array is returned (and the
 * component does not re-render) while the ops it lists are the same op objects: ops of other
 * collections changing do not count.
 *
 * @param collection a declared collection, to list only its ops. @default every collection
 * @throws {Error} naming `usePendingOps()` when there is no `<RealtimeProvider>` above or the collection is not declared.
 * @example
 * const ops = usePendingOps('widgets')
 * return <Badge count={ops.length} />
 */
export function usePendingOps(collection?: string): readonly Op[] {
  const realtime = useRealtimeFrom('usePendingOps()')
  const state = useStore().getState()
  if (collection !== undefined) assertCollection(realtime, state, `usePendingOps(${quote(collection)})`, collection)
  const select = useMemo(() => pendingOpsSelector(realtime, collection), [realtime, collection])
  // The list handed out is kept while it holds the same op objects (shallowEqual compares arrays item by item).
  return useSelector(select, shallowEqual)
}
