/**
 * The dashboard's widgets, as a collection of the realtime layer (README, "Collections and
 * optimistic updates"): the package loads it (a SYNC snapshot on the first open, the missed
 * broadcasts after a reconnect), the server's `WIDGET_UPDATE { id, title?, value, version, opId?,
 * deleted? }` broadcasts keep `state.realtime.collections.widgets` up to date, and three mutations change a
 * widget optimistically (the view changes at once, the op goes to the server, its ACK confirms it,
 * a NACK or a conflict rolls it back).
 *
 * Nothing here touches the store: these are the definitions `createRealtime` takes (./store.ts).
 */
import { collection, parseDefaultUpdate, type MutationDefinition, type ParsedEntityUpdate } from 'rtk-realtime'

/** One widget, as the reference server holds it (examples/server, `--demo` seeds w-1..w-6). */
export interface Widget {
  id: string
  /** Display name; widgets broadcast without one show their id. */
  title?: string
  value: number
}

/** The collection's name in `createRealtime({ collections })` and in every selector call. */
export const WIDGETS = 'widgets'

/** The range of the value slider (the demo's random walk stays in it too). */
export const VALUE_MIN = 0
export const VALUE_MAX = 100

/** Longest title the rename field accepts. */
export const TITLE_MAX_LENGTH = 40

/**
 * The collection's `parse`: the default reading (`data = { id, version, opId?, deleted?, ...entity }`)
 * plus the widget's own rules, so a malformed broadcast becomes `messageRejected` (counted in the
 * connection panel) and never reaches the state.
 */
export function parseWidgetUpdate(data: unknown): ParsedEntityUpdate | string {
  const parsed = parseDefaultUpdate(data)
  if (typeof parsed === 'string' || parsed.deleted) return parsed
  return widgetProblem(parsed.value) ?? parsed
}

/** True when `value` is a {@link Widget}: for data the package cannot type (a conflict's sides, a raw update). */
export function isWidget(value: unknown): value is Widget {
  return widgetProblem(value) === undefined
}

/** Why `value` is not a {@link Widget}, or undefined when it is one. */
export function widgetProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'expected an object'
  // `in` narrows without a cast: each field is read as what it is, unknown until checked.
  const id = 'id' in value ? value.id : undefined
  const number = 'value' in value ? value.value : undefined
  const title = 'title' in value ? value.title : undefined
  if (typeof id !== 'string' || id === '') return 'id must be a non-empty string'
  if (typeof number !== 'number' || !Number.isFinite(number)) return 'value must be a finite number'
  if (title !== undefined && typeof title !== 'string') return 'title must be a string when present'
  return undefined
}

/**
 * `createRealtime({ collections })`: `WIDGET_UPDATE` broadcasts update the `widgets` collection,
 * whose entities are {@link Widget}s: `collection<Widget>()` types the selectors and hooks by name
 * (`useEntity('widgets', id).data` is a `Widget`, `'widgetz'` does not compile).
 */
export const collections = {
  [WIDGETS]: collection<Widget>({ updates: ['WIDGET_UPDATE'], parse: parseWidgetUpdate }),
}

/**
 * `createRealtime({ mutations })`. Each becomes `realtime.actions.<name>(args)`; the op travels as
 * `{ type: message, id: opId, data: { ...args, baseVersion } }` and the server ACKs it with the
 * whole widget and its new version. `as const` keeps each `collection` the literal `'widgets'`, so
 * `createRealtime` checks every `apply` against the collection's `Widget` and the typed
 * `useOptimisticUpdate('widgets', id, ...)` offers exactly these mutations.
 */
export const mutations = {
  /**
   * Sets the value. `debounce: true` (`updates.DEBOUNCE_DELAY`, 100 ms): while a slider moves, every
   * call changes the view but calls within the window fold into one op, so one op per window goes
   * out. It suits a "set" (the last value wins), never an increment. An op still in its window is
   * being made, not sent: a server change meanwhile (another user, the demo ticker) is no conflict,
   * the edit stays on top of it and goes out against the new version. `compact: true`: while
   * offline (or behind an op on the wire), further edits fold into the queued op, so an offline
   * session replays one op per widget.
   */
  updateWidget: {
    collection: WIDGETS,
    message: 'WIDGET_UPDATE',
    debounce: true,
    compact: true,
    apply: (widget: Widget | null, { value }: { id: string; value: number }) => {
      if (widget) widget.value = value
    },
  },
  /** Sets the title (the inline rename); renames queued and never sent fold into one (`compact`). */
  renameWidget: {
    collection: WIDGETS,
    message: 'WIDGET_UPDATE',
    compact: true,
    apply: (widget: Widget | null, { title }: { id: string; title: string }) => {
      if (widget) widget.title = title
    },
  },
  /** Deletes the widget: the view becomes null (the card leaves the grid) until the server says otherwise. */
  deleteWidget: {
    collection: WIDGETS,
    message: 'WIDGET_DELETE',
    apply: (_widget: Widget | null, _args: { id: string }) => null,
  },
} as const satisfies Record<string, MutationDefinition>

/** `value` clamped to the slider's range and rounded to one decimal, as the demo's values are. */
export function clampValue(value: number): number {
  return Math.round(Math.min(VALUE_MAX, Math.max(VALUE_MIN, value)) * 10) / 10
}

/** Widget ids in display order: `w-2` before `w-10`. */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}
