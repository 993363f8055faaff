/**
 * The caps a client op must fit before it changes a widget: the widget's size, the number of
 * widgets, and the size of all of them together (so a SYNC snapshot or a widget list still fits
 * in one client frame). Checked on what the op would make, before anything changes; the same
 * encoding also proves the ACK and the broadcast can be encoded.
 */
import { OpRejection } from './ops'
import type { WidgetEntity } from './types'
import { entityBytes, type WidgetStore } from './widgets'

/** The caps (see `ServerLimits`). */
export interface WidgetCaps {
  readonly maxWidgetBytes: number
  readonly maxWidgets: number
  readonly maxStateBytes: number
}

/** The reason of an op refused at `limits.maxWidgets`: widget `id` would be widget number `count + 1`. */
export function maxWidgetsReason(id: string, count: number, maxWidgets: number): string {
  return `widget ${id} would be widget number ${count + 1}, over the limit of ${maxWidgets} (limits.maxWidgets)`
}

/** The reason of an op refused at `limits.maxStateBytes`: the widgets would take `total` bytes. */
export function maxStateBytesReason(total: number, maxStateBytes: number): string {
  return `the widgets would take ${total} bytes, over the limit of ${maxStateBytes} (limits.maxStateBytes)`
}

/**
 * The JSON size of widget `id` becoming `next`; throws a non-retryable {@link OpRejection} when
 * it cannot be encoded or is over `maxWidgetBytes` (the in-memory and the Redis op path alike).
 */
export function checkWidgetBytes(id: string, next: WidgetEntity, maxWidgetBytes: number): number {
  let bytes: number
  try {
    bytes = entityBytes(next)
  } catch (error) {
    throw new OpRejection(`widget ${id} cannot be encoded (${error instanceof Error ? error.message : String(error)}); nothing changed`, false)
  }
  if (bytes > maxWidgetBytes) {
    throw new OpRejection(`widget ${id} would be ${bytes} bytes, over the limit of ${maxWidgetBytes} (limits.maxWidgetBytes)`, false)
  }
  return bytes
}

/**
 * Throws a non-retryable {@link OpRejection} naming the limit when widget `id` becoming `next`
 * breaks a cap; returns quietly otherwise.
 */
export function checkWidgetCaps(store: WidgetStore, id: string, next: WidgetEntity, caps: WidgetCaps): void {
  const bytes = checkWidgetBytes(id, next, caps.maxWidgetBytes)
  if (!store.get(id) && store.size >= caps.maxWidgets) {
    throw new OpRejection(maxWidgetsReason(id, store.size, caps.maxWidgets), false)
  }
  const total = store.bytes - store.bytesOf(id) + bytes
  if (total > caps.maxStateBytes) {
    throw new OpRejection(maxStateBytesReason(total, caps.maxStateBytes), false)
  }
}
