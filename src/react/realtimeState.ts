import type { Realtime, RealtimeState } from '../createRealtime'

/**
 * The instance's state (`state[realtime.reducerPath]`), for the sub-slices the selectors do not
 * cover (the outbox). Throws the connection selector's error when the reducer is not mounted.
 *
 * @internal
 */
export function selectRealtimeState(realtime: Realtime<string>, state: unknown): RealtimeState {
  const slice = (state as Record<string, RealtimeState | undefined>)[realtime.reducerPath]
  if (!slice) realtime.selectors.selectConnection(state)
  return slice!
}

/**
 * Throws an error naming `call` (the hook as the user called it) when `collection` is not declared
 * in `createRealtime({ collections })`. The declared collections are the keys of
 * `sync.collections`, which holds every declared collection from the start.
 *
 * @internal
 */
export function assertCollection(realtime: Realtime<string>, state: unknown, call: string, collection: string): void {
  if (typeof collection !== 'string' || !Object.hasOwn(realtime.selectors.selectSync(state).collections, collection)) {
    throw new Error(`rtk-realtime: ${call}: no collection ${JSON.stringify(collection) ?? String(collection)}; declare it in createRealtime({ collections })`)
  }
}
