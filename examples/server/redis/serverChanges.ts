/**
 * The in-process changes of a server started with `redis` (`touch`, `deleteWidget`,
 * `seedWidgets`, `broadcast`): through the same compare-and-set script and the same stream as
 * client ops, so every instance's clients see them, numbered by the one global `seq`. They need a
 * round trip to Redis, so they resolve (with what the in-memory server returns at once).
 */
import { changeBroadcastData } from '../entityMessages'
import type { SharedReferenceServer, WidgetEntity } from '../types'
import { isWidgetId, patchEntity, seedEntities } from '../widgets'
import { applyWithRetry } from './applyWithRetry'
import type { Change, RedisStore, StoredWidget } from './redisStore'

/** The changes {@link createServerChanges} makes. */
export type ServerChanges = Pick<SharedReferenceServer, 'touch' | 'deleteWidget' | 'seedWidgets' | 'broadcast'>

function requireId(id: unknown, what: string): asserts id is string {
  if (!isWidgetId(id)) throw new TypeError(`${what} needs a widget id, a non-empty string`)
}

/**
 * Builds the changes on `store`, announced as `broadcastType`. `alive(what)` throws when the
 * server stopped; a bad argument rejects with a TypeError naming the method, as the in-memory
 * server throws it.
 */
export function createServerChanges(store: RedisStore, broadcastType: string, now: () => number, alive: (what: string) => void): ServerChanges {
  /** Applies `next(current)` (undefined: nothing to change) with compare-and-set; resolves with the new version. */
  const change = (id: string, next: (current: StoredWidget) => WidgetEntity | null | undefined): Promise<number | undefined> =>
    applyWithRetry(
      store,
      undefined,
      id,
      ({ widget }): Change | undefined => {
        const entity = next(widget)
        if (entity === undefined) return undefined
        const version = widget.version + 1
        return {
          opId: undefined,
          widgetId: id,
          expectedVersion: widget.version,
          entity,
          ack: null,
          broadcastType,
          broadcastData: changeBroadcastData({ id, version, entity }),
          ts: now(),
        }
      },
      // Without an op id nothing is replayed, and without caps nothing is refused: it was applied.
      (_, planned) => planned.expectedVersion + 1,
    )
  return {
    async touch(id, patch = {}) {
      alive('touch')
      requireId(id, 'touch')
      const fields = structuredClone(patch)
      return (await change(id, (current) => patchEntity(current.entity, fields, id)))!
    },
    async deleteWidget(id) {
      alive('deleteWidget')
      requireId(id, 'deleteWidget')
      return change(id, (current) => (current.entity ? null : undefined))
    },
    async seedWidgets(widgets) {
      alive('seedWidgets')
      await store.reseed(seedEntities(widgets))
    },
    async broadcast(type, data) {
      alive('broadcast')
      return store.broadcast(type, data, now())
    },
  }
}
