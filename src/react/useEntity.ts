import { shallowEqual, useSelector, useStore } from './peers'
import type { DataStatus } from '../sync/types'
import { useRealtimeFrom } from './RealtimeContext'
import { assertCollection } from './assertCollection'
import { quote } from './renamed'

/** What {@link useEntity} returns; the same object while none of its fields changed. */
export interface UseEntityResult<T = unknown> {
  /**
   * The entity as the UI shows it (its `view`: the server's value with the pending ops applied).
   * `null`: it does not exist (deleted on the server or by a pending op, or a pending create was
   * undone); `undefined`: the client knows nothing of it (see `status` for whether it is loaded).
   */
  data: T | null | undefined
  /**
   * Whether the data can be trusted (`selectEntityStatus`): `loading` (its collection was never
   * synced and the client knows nothing of it: it may exist), `ready`, or `stale` (`refreshWidget`
   * marked it or its collection is stale: a sync is due).
   */
  status: DataStatus
  /** `status === 'loading'`. */
  loading: boolean
  /** `status === 'stale'`. */
  stale: boolean
  /** True while the entity has ops waiting for the server (ops in `doubt` do not count). */
  pending: boolean
  /**
   * True when the server knew the entity (`version > 0`) and `data` is null: deleted on the server,
   * or by a pending delete op (then `pending` is true as well).
   */
  deleted: boolean
  /** The server's version of the entity; 0 before the server said anything of it. */
  version: number
}

/**
 * What a widget needs of one entity, in one line: its data, whether it is loaded, stale, pending or
 * deleted, and its version. Typed by the generic (`useEntity<Widget>('widgets', id)`; the type is
 * not checked at run time).
 *
 * The component re-renders only when one of these changes: updates of other entities, of other
 * collections, and inbound traffic in general leave it alone.
 *
 * @param collection a declared collection, e.g. `'widgets'`
 * @param key the entity key, e.g. `'w-1'`
 * @throws {Error} naming `useEntity()` when there is no `<RealtimeProvider>` above or the collection is not declared.
 * @throws {TypeError} naming `useEntity()` when `key` is not a non-empty string.
 * @example
 * const { data, loading, stale, pending, deleted } = useEntity<Widget>('widgets', id)
 * if (loading) return <Spinner />
 * if (data == null) return <Gone />
 */
export function useEntity<T = unknown>(collection: string, key: string): UseEntityResult<T> {
  const realtime = useRealtimeFrom('useEntity()')
  const call = `useEntity(${quote(collection)}, ${quote(key)})`
  // The declared collections are fixed when the instance is made: reading them once per render is enough.
  assertCollection(realtime, useStore().getState(), call, collection)
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(`rtk-realtime: ${call}: key must be a non-empty string`)
  }
  const { selectEntityRecord, selectEntityStatus, selectHasPendingOps } = realtime.selectors
  // One selection of primitives and the entity's view, kept while each is the same (shallowEqual):
  // updates of other entities, of other collections, and inbound traffic leave the component alone.
  return useSelector((root: unknown) => {
    const record = selectEntityRecord(root, collection, key)
    const status = selectEntityStatus(root, collection, key)
    const data = record?.view as T | null | undefined
    const version = record?.version ?? 0
    return {
      data,
      status,
      loading: status === 'loading',
      stale: status === 'stale',
      pending: selectHasPendingOps(root, collection, key),
      deleted: version > 0 && data === null,
      version,
    }
  }, shallowEqual)
}
