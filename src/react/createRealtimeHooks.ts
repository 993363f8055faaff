import type { CollectionDefinitions } from '../collections/defineCollections'
import type { CollectionName, EntitiesOf } from '../collections/entityTypes'
import type { Realtime } from '../createRealtime'
import type { MutationArgs } from '../optimistic/createMutationActions'
import type { MutationDefinitions } from '../optimistic/defineMutations'
import type { Op } from '../optimistic/types'
import { useEntity, type UseEntityResult } from './useEntity'
import { useOptimisticUpdate, type UseOptimisticUpdateResult } from './useOptimisticUpdate'
import { usePendingOps } from './usePendingOps'
import { useRealtime } from './useRealtime'
import { useRealtimeUpdates, type UseRealtimeUpdatesResult } from './useRealtimeUpdates'

/**
 * The mutations that change collection `C`: those declared with `collection: C`, and those whose
 * `collection` is a plain `string` (not known to the compiler, so not ruled out).
 */
export type MutationsOf<Mutations, C extends string> = {
  [N in keyof Mutations & string]: Mutations[N] extends { collection: infer Of } ? (string extends Of ? N : C extends Of ? N : never) : never
}[keyof Mutations & string]

/**
 * The hooks of `rtk-realtime/react`, typed from one realtime instance: collection names are
 * checked, entities have their declared type (`collection<Widget>()`), mutation names and args are
 * those declared. What {@link createRealtimeHooks} returns.
 */
export interface RealtimeHooks<
  ReducerPath extends string = string,
  Mutations extends MutationDefinitions = {},
  Collections extends CollectionDefinitions = CollectionDefinitions,
> {
  /** The instance of the nearest `<RealtimeProvider>`, with its types. See `useRealtime`. */
  useRealtime(): Realtime<ReducerPath, Mutations, Collections>
  /** One entity of a declared collection, as its entity type. See `useEntity`. */
  useEntity<C extends CollectionName<EntitiesOf<Collections>>>(collection: C, key: string): UseEntityResult<EntitiesOf<Collections>[C]>
  /** One entity and one of the mutations declared on its collection, with their args. See `useOptimisticUpdate`. */
  useOptimisticUpdate<C extends CollectionName<EntitiesOf<Collections>>, M extends MutationsOf<Mutations, C>>(
    collection: C,
    key: string,
    mutation: M,
  ): UseOptimisticUpdateResult<EntitiesOf<Collections>[C], MutationArgs<Mutations[M]>>
  /** A whole declared collection by key, as its entity type. See `useRealtimeUpdates`. */
  useRealtimeUpdates<C extends CollectionName<EntitiesOf<Collections>>>(collection: C): UseRealtimeUpdatesResult<EntitiesOf<Collections>[C]>
  /** The pending ops of every collection, or of one declared collection. See `usePendingOps`. */
  usePendingOps(collection?: CollectionName<EntitiesOf<Collections>>): readonly Op[]
}

/**
 * The hooks, typed from your instance: the `withTypes` of this package, as react-redux has
 * `useSelector.withTypes<RootState>()`. Call it once, next to the store, and import the hooks
 * from there. A misspelt collection or mutation then fails to compile, and `data` is the entity
 * type the collection declares with `collection<Widget>()`.
 *
 * Types only: the hooks are the package's own, and they read the instance of the nearest
 * `<RealtimeProvider>`, which should be this one (or one created with the same options).
 *
 * @throws {TypeError} naming `createRealtimeHooks()` when `realtime` is not what `createRealtime()` returned.
 * @example
 * // hooks.ts
 * export const { useEntity, useOptimisticUpdate, useRealtimeUpdates, useRealtime } = createRealtimeHooks(realtime)
 * // WidgetTile.tsx
 * const { data } = useEntity('widgets', id) // data: Widget | null | undefined
 */
export function createRealtimeHooks<ReducerPath extends string, Mutations extends MutationDefinitions, Collections extends CollectionDefinitions>(
  realtime: Realtime<ReducerPath, Mutations, Collections>,
): RealtimeHooks<ReducerPath, Mutations, Collections> {
  if (!realtime || typeof realtime !== 'object' || typeof realtime.reducerPath !== 'string') {
    throw new TypeError(`rtk-realtime: createRealtimeHooks(realtime): realtime must be what createRealtime() returned, got ${realtime === null ? 'null' : typeof realtime}`)
  }
  // The same functions: the types are the compiler's alone (as react-redux's withTypes).
  return { useRealtime, useEntity, useOptimisticUpdate, useRealtimeUpdates, usePendingOps } as unknown as RealtimeHooks<ReducerPath, Mutations, Collections>
}
