/**
 * The in-process widget API of a {@link ReferenceServer}: reading the authoritative state, and
 * server-side changes (`touch`, `deleteWidget`) that go through the same store and broadcast as
 * client ops, only without an `opId`.
 */
import { changeBroadcastData } from './entityMessages'
import type { ReferenceServer } from './types'
import { isWidgetId, snapshotOf, type WidgetChange, type WidgetStore } from './widgets'

/** The widget members of {@link ReferenceServer}, plus `announce` for the op path. */
export type WidgetApi = Pick<ReferenceServer, 'widgets' | 'widget' | 'touch' | 'deleteWidget' | 'seedWidgets'> & {
  /** Broadcasts `change` (with `opId` when a client op caused it). */
  announce(change: WidgetChange, opId?: string): void
}

function requireId(id: unknown, what: string): asserts id is string {
  if (!isWidgetId(id)) throw new TypeError(`${what} needs a widget id, a non-empty string`)
}

/**
 * Builds the widget API on `store`, broadcasting changes as `broadcastType()` through `broadcast`
 * (the server's, so changes share its `seq` and SYNC log).
 */
export function createWidgetApi(
  store: WidgetStore,
  broadcast: (type: string, data: unknown) => number,
  broadcastType: () => string,
): WidgetApi {
  const announce = (change: WidgetChange, opId?: string): void => {
    broadcast(broadcastType(), changeBroadcastData(change, opId))
  }
  return {
    announce,
    widgets: () => structuredClone(store.all().map(snapshotOf)),
    widget(id) {
      const record = store.get(id)
      return record ? structuredClone(snapshotOf(record)) : undefined
    },
    touch(id, patch = {}) {
      requireId(id, 'touch')
      const change = store.patch(id, structuredClone(patch))
      announce(change)
      return change.version
    },
    deleteWidget(id) {
      requireId(id, 'deleteWidget')
      const change = store.remove(id)
      if (!change) return undefined
      announce(change)
      return change.version
    },
    seedWidgets(widgets) {
      store.seed(structuredClone([...widgets]))
    },
  }
}
