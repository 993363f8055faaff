/**
 * The caps a client op must fit before it changes a widget: the widget's size, the number of
 * widgets, and the size of all of them together (so a SYNC snapshot or a widget list still fits
 * in one client frame). Checked on what the op would make, before anything changes; the same
 * encoding also proves the ACK and the broadcast can be encoded.
 */
import { OpRejection } from './ops'
import type { WidgetEntity } from './types'
import type { WidgetStore } from './widgets'

/** The caps (see `ServerLimits`). */
export interface WidgetCaps {
  readonly maxWidgetBytes: number
  readonly maxWidgets: number
  readonly maxStateBytes: number
}

// Entities are replaced, never mutated (widgets.ts), so an entity's size never goes stale.
const sizes = new WeakMap<WidgetEntity, number>()

function encode(id: string, entity: WidgetEntity): string {
  try {
    return JSON.stringify(entity)
  } catch (error) {
    throw new OpRejection(`widget ${id} cannot be encoded (${error instanceof Error ? error.message : String(error)}); nothing changed`, false)
  }
}

/** The JSON size of `entity` in bytes, remembered per entity. */
function sizeOf(entity: WidgetEntity): number {
  let size = sizes.get(entity)
  if (size === undefined) {
    size = Buffer.byteLength(JSON.stringify(entity))
    sizes.set(entity, size)
  }
  return size
}

/**
 * Throws a non-retryable {@link OpRejection} naming the limit when widget `id` becoming `next`
 * breaks a cap; returns quietly otherwise.
 */
export function checkWidgetCaps(store: WidgetStore, id: string, next: WidgetEntity, caps: WidgetCaps): void {
  const bytes = Buffer.byteLength(encode(id, next))
  if (bytes > caps.maxWidgetBytes) {
    throw new OpRejection(`widget ${id} would be ${bytes} bytes, over the limit of ${caps.maxWidgetBytes} (limits.maxWidgetBytes)`, false)
  }
  const current = store.get(id)
  if (!current && store.size >= caps.maxWidgets) {
    throw new OpRejection(`widget ${id} would be widget number ${store.size + 1}, over the limit of ${caps.maxWidgets} (limits.maxWidgets)`, false)
  }
  if (!Number.isFinite(caps.maxStateBytes)) return
  let total = bytes
  for (const record of store.all()) if (record.entity.id !== id) total += sizeOf(record.entity)
  if (total > caps.maxStateBytes) {
    throw new OpRejection(`the widgets would take ${total} bytes, over the limit of ${caps.maxStateBytes} (limits.maxStateBytes)`, false)
  }
}
