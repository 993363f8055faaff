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
import type { AnyReferenceServer } from './types'

/** `{ done: true, ...reply(result) }`, at once or once `result` resolves (`later` then builds the reply when given). */
export function done<T>(result: T | Promise<T>, reply: (value: T) => object, later: (value: T) => object = reply): object | Promise<object> {
  return result instanceof Promise ? result.then((value) => ({ done: true, ...later(value) })) : { done: true, ...reply(result) }
}

/** The CONTROL ops {@link widgetControl} handles. */
export const WIDGET_CONTROL_OPS: ReadonlySet<string> = new Set(['touch', 'delete', 'widgets', 'seed'])

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Runs widget CONTROL op `data.op` (one of {@link WIDGET_CONTROL_OPS}) and returns the reply data
 * (a promise of it on a server started with `redis`). Throws on malformed input (the caller
 * replies ERROR); a failed op changes nothing.
 */
export function widgetControl(server: AnyReferenceServer, data: Record<string, unknown>): unknown {
  switch (data.op) {
    case 'touch': {
      if (data.patch !== undefined && !isRecord(data.patch)) throw new Error('touch patch must be an object')
      return done(server.touch(data.id as string, data.patch ?? {}), (version) => ({ version }))
    }
    case 'delete':
      return done(server.deleteWidget(data.id as string), (version) => ({ version: version ?? null }))
    case 'widgets':
      return { done: true, widgets: server.widgets(), seq: server.seq }
    case 'seed': {
      if (!Array.isArray(data.widgets)) throw new Error('seed needs widgets, an array of { id, ...fields }')
      const widgets = data.widgets as never[]
      // On Redis this instance's copy catches up later: count the distinct ids seeded.
      return done(server.seedWidgets(widgets), () => ({ count: server.widgets().length }), () => ({ count: new Set(widgets.map((w: { id: unknown }) => w.id)).size }))
    }
    default:
      throw new Error(`unknown widget CONTROL op: ${String(data.op)}`)
  }
}
