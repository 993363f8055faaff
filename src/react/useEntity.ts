import { useMemo } from 'react'
import { useSelector, useStore } from 'react-redux'
import type { DataStatus } from '../sync/types'
import { useRealtimeFrom } from './RealtimeContext'
import { assertCollection } from './realtimeState'

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
  const call = `useEntity(${JSON.stringify(collection) ?? String(collection)}, ${JSON.stringify(key) ?? String(key)})`
  // The declared collections are fixed when the instance is made: reading them once per render is enough.
  assertCollection(realtime, useStore().getState(), call, collection)
  if (typeof key !== 'string' || key === '') {
    throw new TypeError(`rtk-realtime: ${call}: key must be a non-empty string`)
  }
  // Each selection is an object or a primitive that changes only when this entity's does.
  const record = useSelector((state: unknown) => realtime.selectors.selectEntityRecord(state, collection, key))
  const status = useSelector((state: unknown) => realtime.selectors.selectEntityStatus(state, collection, key))
  const pending = useSelector((state: unknown) => realtime.selectors.selectHasPendingOps(state, collection, key))
  return useMemo(() => {
    const data = (record === undefined ? undefined : record.view) as T | null | undefined
    const version = record?.version ?? 0
    return {
      data,
      status,
      loading: status === 'loading',
      stale: status === 'stale',
      pending,
      deleted: version > 0 && data === null,
      version,
    }
  }, [record, status, pending])
}
