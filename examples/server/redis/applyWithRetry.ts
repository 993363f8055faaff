/**
 * The compare-and-set loop of every widget change on Redis (client ops and in-process changes):
 * read the widget, compute the change from what was read, apply it if the widget is still at the
 * version read, else read again: another instance changed it first.
 */
import { OpRejection } from '../ops'
import type { ApplyResult, Change, RedisStore, StoredRead } from './redisStore'

/** How often a change is recomputed when other instances keep changing its widget first. */
export const MAX_ROUNDS = 50

/** What {@link RedisStore.apply} did, once it was not stale. */
export type SettledResult = Exclude<ApplyResult, { kind: 'stale' }>

/**
 * Reads widget `id` (and op `opId`'s stored ACK), asks `plan` for the change (undefined: nothing to
 * apply, resolve undefined; a throw ends the loop with it), applies it, and resolves with
 * `settle(result, change)` once the apply was not stale. Rejects with a retryable
 * {@link OpRejection} after {@link MAX_ROUNDS} stale rounds.
 */
export async function applyWithRetry<T>(
  store: RedisStore,
  opId: string | undefined,
  id: string,
  plan: (read: StoredRead) => Change | undefined,
  settle: (result: SettledResult, change: Change) => T,
): Promise<T | undefined> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const change = plan(await store.read(opId, id))
    if (!change) return undefined
    const result = await store.apply(change)
    if (result.kind !== 'stale') return settle(result, change)
  }
  throw new OpRejection(`widget ${id} kept changing on other instances (${MAX_ROUNDS} tries)`, true)
}
