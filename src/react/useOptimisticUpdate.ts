import { useCallback, useMemo } from 'react'
import { useDispatch, useSelector } from 'react-redux'
import type { UnknownAction } from '@reduxjs/toolkit'
import type { Op } from '../optimistic/types'
import { useRealtimeFrom } from './RealtimeContext'

/**
 * What {@link useOptimisticUpdate} returns. `T` is the entity type, `Args` the mutation's args
 * (both typed by the hooks of `createRealtimeHooks(realtime)`). @default unknown, unknown
 */
export interface UseOptimisticUpdateResult<T = unknown, Args = unknown> {
  /** The entity as the UI should show it: confirmed value with pending ops applied (null when deleted). */
  data: T | null | undefined
  /** True while the entity has ops waiting for the server. */
  pending: boolean
  /** True when what is shown is what the server confirmed. */
  synced: boolean
  /** The entity's pending ops, oldest first. */
  ops: readonly Op[]
  /** The server's version of the entity (0 before it said anything). */
  version: number
  /** Dispatches the mutation with these args; returns the new op's opId. */
  update(args: Args): string
  /** Alias of `update`, the name the original dashboard code used. */
  apply(args: Args): string
  /** Confirms an op by hand (manual transport), optionally with the server's value and version. */
  confirm(opId: string, server?: { version?: number; value?: unknown }): void
  /** Rolls an op back by hand. */
  rollback(opId: string): void
}

/**
 * One entity and one mutation: what to show, whether it is pending, and the calls to change it.
 * Thin: it selects and dispatches.
 *
 * @param collection a declared collection, e.g. `'widgets'`
 * @param key the entity key, e.g. `'w-1'`
 * @param mutation the mutation `update` dispatches, e.g. `'updateWidget'`
 * @throws {Error} naming the hook when there is no `<RealtimeProvider>` or the mutation is not declared.
 */
export function useOptimisticUpdate<T = unknown, Args = unknown>(collection: string, key: string, mutation: string): UseOptimisticUpdateResult<T, Args> {
  const realtime = useRealtimeFrom('useOptimisticUpdate()')
  const creator = (realtime.actions as unknown as Record<string, ((args: unknown) => UnknownAction & { payload: { opId: string } }) | undefined>)[mutation]
  if (typeof creator !== 'function' || !('match' in creator)) {
    throw new Error(`rtk-realtime: useOptimisticUpdate("${collection}", "${key}", "${mutation}"): no mutation "${mutation}" is declared in createRealtime({ mutations })`)
  }
  const dispatch = useDispatch()
  const record = useSelector((state: unknown) => realtime.selectors.selectEntityRecord(state, collection, key))
  const ops = useSelector((state: unknown) => realtime.selectors.selectPendingOpsFor(state, collection, key))
  const update = useCallback((args: unknown) => (dispatch(creator(args)) as unknown as { payload: { opId: string } }).payload.opId, [dispatch, creator])
  const confirm = useCallback(
    (opId: string, server?: { version?: number; value?: unknown }) => void dispatch(realtime.actions.confirm(opId, server)),
    [dispatch, realtime],
  )
  const rollback = useCallback((opId: string) => void dispatch(realtime.actions.rollback(opId)), [dispatch, realtime])
  return useMemo(
    () => ({
      data: (record === undefined ? undefined : record.view) as T | null | undefined,
      pending: ops.length > 0,
      synced: ops.length === 0,
      ops,
      version: record?.version ?? 0,
      update,
      apply: update,
      confirm,
      rollback,
    }),
    [record, ops, update, confirm, rollback],
  )
}
