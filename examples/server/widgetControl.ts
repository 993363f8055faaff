/**
 * The widget `CONTROL` ops, for driving the authoritative state of a server in another process:
 * - `touch { id, patch? }`: a server-side change (as {@link ReferenceServer.touch}: broadcast
 *   without opId); replies `{ done: true, version }`.
 * - `delete { id }`: deletes a widget (broadcast); replies `{ done: true, version }` (`version`
 *   null when there was no such widget).
 * - `widgets`: replies `{ done: true, widgets, seq }` (every widget as `{ ...entity, version }`).
 * - `seed { widgets: [{ id, ...fields }] }`: replaces every widget, without broadcasting; replies
 *   `{ done: true, count }`.
 */
import type { ReferenceServer } from './types'

/** The CONTROL ops {@link widgetControl} handles. */
export const WIDGET_CONTROL_OPS: ReadonlySet<string> = new Set(['touch', 'delete', 'widgets', 'seed'])

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Runs widget CONTROL op `data.op` (one of {@link WIDGET_CONTROL_OPS}) and returns the reply data.
 * Throws on malformed input (the caller replies ERROR); a failed op changes nothing.
 */
export function widgetControl(server: ReferenceServer, data: Record<string, unknown>): unknown {
  switch (data.op) {
    case 'touch': {
      if (data.patch !== undefined && !isRecord(data.patch)) throw new Error('touch patch must be an object')
      return { done: true, version: server.touch(data.id as string, data.patch ?? {}) }
    }
    case 'delete':
      return { done: true, version: server.deleteWidget(data.id as string) ?? null }
    case 'widgets':
      return { done: true, widgets: server.widgets(), seq: server.seq }
    case 'seed': {
      if (!Array.isArray(data.widgets)) throw new Error('seed needs widgets, an array of { id, ...fields }')
      server.seedWidgets(data.widgets as never[])
      return { done: true, count: server.widgets().length }
    }
    default:
      throw new Error(`unknown widget CONTROL op: ${String(data.op)}`)
  }
}
