/**
 * The authoritative widget store of the reference server, pure (no sockets, no timers): widgets by
 * id with a version that starts at 1 and increases by exactly 1 on every change.
 *
 * Entities are replaced, never mutated, so a snapshot taken (e.g. the value in a stored ACK) stays
 * what it was. A deleted widget leaves a tombstone with its last version, so re-creating it
 * continues the count: a client that saw version N never receives a "newer" widget numbered below N.
 */
import type { WidgetEntity, WidgetSeed, WidgetSnapshot } from './types'

/** One widget as the store holds it. */
export interface WidgetRecord {
  readonly entity: WidgetEntity
  readonly version: number
}

/** The result of one change: the widget's new version and entity (`null` when it was deleted). */
export interface WidgetChange {
  readonly id: string
  readonly version: number
  readonly entity: WidgetEntity | null
}

/**
 * Field names that are never stored on an entity: protocol fields of the op or the broadcast
 * (`baseVersion`, `version`, `opId`, `deleted`) and prototype-polluting keys.
 */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set(['baseVersion', 'version', 'opId', 'deleted', '__proto__', 'constructor', 'prototype'])

/** Whether `id` is usable as a widget id (a non-empty string). */
export function isWidgetId(id: unknown): id is string {
  return typeof id === 'string' && id !== ''
}

/** The own fields of `fields` minus {@link RESERVED_FIELDS} and `id`. */
export function cleanFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(fields)) {
    if (key !== 'id' && !RESERVED_FIELDS.has(key)) out[key] = fields[key]
  }
  return out
}

/** What patching `current` (undefined: a new widget) with `fields` makes widget `id`: `{ ...current, ...fields, id }`, reserved fields dropped. */
export function patchEntity(current: WidgetEntity | null | undefined, fields: Readonly<Record<string, unknown>>, id: string): WidgetEntity {
  return { ...current, ...cleanFields(fields), id }
}

/**
 * The widgets of a seed (`startServer({ widgets })`, `seedWidgets`, CONTROL `seed`) as entities by
 * id, a repeated id the last one winning. Throws a TypeError naming the API on a seed without a
 * non-empty string id (before anything is changed).
 */
export function seedEntities(widgets: Iterable<WidgetSeed>): Map<string, WidgetEntity> {
  const list = [...widgets]
  for (const widget of list) {
    if (widget === null || typeof widget !== 'object' || !isWidgetId((widget as { id?: unknown }).id)) {
      throw new TypeError('seedWidgets (CONTROL seed, startServer widgets): every seeded widget needs an id, a non-empty string')
    }
  }
  return new Map(list.map((widget) => [widget.id, patchEntity(undefined, widget, widget.id)]))
}

// Entities are replaced, never mutated, so an entity's size never goes stale.
const sizes = new WeakMap<WidgetEntity, number>()

/** The JSON size of `entity` in bytes, remembered per entity; throws when JSON cannot encode it. */
export function entityBytes(entity: WidgetEntity): number {
  let size = sizes.get(entity)
  if (size === undefined) {
    size = Buffer.byteLength(JSON.stringify(entity))
    sizes.set(entity, size)
  }
  return size
}

/**
 * {@link entityBytes}, 0 for an entity JSON cannot encode: an in-process `touch` or seed may store
 * one (its broadcast or snapshot then fails to send, as it did before sizes were counted), and
 * counting must not be what refuses it.
 */
function storedBytes(entity: WidgetEntity): number {
  try {
    return entityBytes(entity)
  } catch {
    return 0
  }
}

/** `{ ...entity, version }`: how a widget appears in snapshots, GET_WIDGETS and broadcasts. */
export function snapshotOf(record: WidgetRecord): WidgetSnapshot {
  return { ...record.entity, version: record.version }
}

/** Widgets by id, with versions and tombstones. */
export class WidgetStore {
  private readonly live = new Map<string, WidgetRecord>()
  private readonly tombstones = new Map<string, number>()
  private totalBytes = 0

  /** @param seed initial widgets, each at version 1. */
  constructor(seed: Iterable<WidgetSeed> = []) {
    this.seed(seed)
  }

  /** The widget `id`, or undefined when it does not exist (never created, or deleted). */
  get(id: string): WidgetRecord | undefined {
    return this.live.get(id)
  }

  /** The current version of `id`: of the live widget, else of its tombstone, else 0 (never existed). */
  versionOf(id: string): number {
    return this.live.get(id)?.version ?? this.tombstones.get(id) ?? 0
  }

  /** Whether `id` was deleted (and not re-created since). */
  isDeleted(id: string): boolean {
    return !this.live.has(id) && this.tombstones.has(id)
  }

  /** Every live widget, in creation order. */
  all(): WidgetRecord[] {
    return [...this.live.values()]
  }

  /** Number of live widgets. */
  get size(): number {
    return this.live.size
  }

  /** The JSON bytes of every live widget together (kept as they change, so a cap check is one subtraction). */
  get bytes(): number {
    return this.totalBytes
  }

  /** What live widget `id` counts for in {@link WidgetStore.bytes} (0 when there is none). */
  bytesOf(id: string): number {
    const current = this.live.get(id)
    return current ? storedBytes(current.entity) : 0
  }

  /** What {@link WidgetStore.patch} would make widget `id`, without changing anything (to check it first). */
  patched(id: string, fields: Readonly<Record<string, unknown>>): WidgetEntity {
    return patchEntity(this.live.get(id)?.entity, fields, id)
  }

  /**
   * Patches widget `id` with `fields` (reserved fields dropped), creating it when absent: the new
   * entity is `{ ...current, ...fields, id }` and the version goes up by one.
   */
  patch(id: string, fields: Readonly<Record<string, unknown>>): WidgetChange {
    return this.put(id, this.patched(id, fields))
  }

  /**
   * Stores `entity` (made by {@link WidgetStore.patched} and checked) as widget `id`, creating it
   * when absent; the version goes up by one.
   */
  put(id: string, entity: WidgetEntity): WidgetChange {
    const version = this.versionOf(id) + 1
    this.totalBytes += storedBytes(entity) - this.bytesOf(id)
    this.tombstones.delete(id)
    this.live.set(id, { entity, version })
    return { id, version, entity }
  }

  /** Deletes widget `id` (the version goes up by one); undefined when there is no such live widget. */
  remove(id: string): WidgetChange | undefined {
    const current = this.live.get(id)
    if (!current) return undefined
    const version = current.version + 1
    this.live.delete(id)
    this.totalBytes -= storedBytes(current.entity)
    this.tombstones.set(id, version)
    return { id, version, entity: null }
  }

  /**
   * Replaces the whole state with `widgets`, without any broadcast. An id never seen gets version 1;
   * an id seen before continues from its last version (versions never go back); widgets left out
   * are deleted. Throws a TypeError (and changes nothing) on a seed without a non-empty string id.
   */
  seed(widgets: Iterable<WidgetSeed>): void {
    const byId = seedEntities(widgets)
    for (const [id, record] of this.live) this.tombstones.set(id, record.version)
    this.live.clear()
    this.totalBytes = 0
    for (const [id, entity] of byId) {
      const version = (this.tombstones.get(id) ?? 0) + 1
      this.tombstones.delete(id)
      this.live.set(id, { entity, version })
      this.totalBytes += storedBytes(entity)
    }
  }
}
