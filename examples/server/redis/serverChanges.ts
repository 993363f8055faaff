/**
 * The in-process changes of a server started with `redis` (`touch`, `deleteWidget`,
 * `seedWidgets`, `broadcast`): through the same compare-and-set script and the same stream as
 * client ops, so every instance's clients see them, numbered by the one global `seq`. They need a
 * round trip to Redis, so they resolve (with what the in-memory server returns at once).
 */
import { changeBroadcastData } from '../entityMessages'
import type { SharedReferenceServer, WidgetEntity, WidgetSeed } from '../types'
import { cleanFields, isWidgetId } from '../widgets'
import type { Change, RedisStore, StoredWidget } from './redisStore'

/** The changes {@link createServerChanges} makes. */
export type ServerChanges = Pick<SharedReferenceServer, 'touch' | 'deleteWidget' | 'seedWidgets' | 'broadcast'>

/** How often a change is recomputed when other instances keep changing its widget first. */
const MAX_ROUNDS = 50

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
  const change = async (id: string, next: (current: StoredWidget) => WidgetEntity | null | undefined): Promise<number | undefined> => {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { widget } = await store.read(undefined, id)
      const entity = next(widget)
      if (entity === undefined) return undefined
      const version = widget.version + 1
      const planned: Change = {
        opId: undefined,
        widgetId: id,
        expectedVersion: widget.version,
        entity,
        ack: null,
        broadcastType,
        broadcastData: changeBroadcastData({ id, version, entity }),
        ts: now(),
      }
      const result = await store.apply(planned)
      if (result.kind === 'applied') return version
    }
    throw new Error(`widget ${id} kept changing on other instances (${MAX_ROUNDS} tries)`)
  }
  return {
    async touch(id, patch = {}) {
      alive('touch')
      requireId(id, 'touch')
      const fields = cleanFields(structuredClone(patch))
      return (await change(id, (current) => ({ ...current.entity, ...fields, id })))!
    },
    async deleteWidget(id) {
      alive('deleteWidget')
      requireId(id, 'deleteWidget')
      return change(id, (current) => (current.entity ? null : undefined))
    },
    async seedWidgets(widgets) {
      alive('seedWidgets')
      const list: WidgetSeed[] = [...widgets]
      for (const widget of list) {
        if (widget === null || typeof widget !== 'object' || !isWidgetId((widget as { id?: unknown }).id)) {
          throw new TypeError('every seeded widget needs an id, a non-empty string')
        }
      }
      await store.reseed(list)
    },
    async broadcast(type, data) {
      alive('broadcast')
      return store.broadcast(type, data, now())
    },
  }
}
