import { useMemo } from 'react'
import { useSelector, useStore } from 'react-redux'
import type { Op } from '../optimistic/types'
import { useRealtimeFrom } from './RealtimeContext'
import { assertCollection } from './realtimeState'

type RealtimeFrom = ReturnType<typeof useRealtimeFrom>

const EMPTY: readonly Op[] = []

function sameOps(a: readonly Op[], b: readonly Op[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false
  return true
}

/** A selector with a memo of its own: the ops of `collection`, the same array while they are the same ops. */
function pendingOpsSelector(realtime: RealtimeFrom, collection: string | undefined): (root: unknown) => readonly Op[] {
  let lastAll: readonly Op[] | undefined
  let last: readonly Op[] = EMPTY
  return (root) => {
    // selectPendingOps is the same array while the lanes are: most dispatches stop here.
    const all = realtime.selectors.selectPendingOps(root)
    if (all === lastAll) return last
    lastAll = all
    const ops = collection === undefined ? all : all.filter((op) => op.collection === collection)
    if (!sameOps(ops, last)) last = ops.length === 0 ? EMPTY : ops
    return last
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
  if (collection !== undefined) assertCollection(realtime, state, `usePendingOps(${JSON.stringify(collection) ?? String(collection)})`, collection)
  // One cache per component and collection: the last list handed out, kept while its ops are the same.
  const select = useMemo(() => pendingOpsSelector(realtime, collection), [realtime, collection])
  return useSelector(select)
}
