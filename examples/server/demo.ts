/**
 * The demo: six seeded widgets, and a ticker that keeps the dashboard alive by moving their values
 * in a random walk. The ticker changes widgets through the authoritative path ({@link
 * ReferenceServer.touch}), so its broadcasts carry the same versions the server ACKs client ops with.
 */
import type { AnyReferenceServer, WidgetSeed } from './types'

/** The widget ids of the demo. */
export const DEMO_WIDGET_IDS: readonly string[] = ['w-1', 'w-2', 'w-3', 'w-4', 'w-5', 'w-6']

/**
 * The demo's seed: `{ id, title, value }` per id (`w-3` is titled `Widget 3`), values in [20, 80].
 * Pass it as `startServer({ widgets: demoWidgets() })`.
 */
export function demoWidgets(ids: readonly string[] = DEMO_WIDGET_IDS, random: () => number = Math.random): WidgetSeed[] {
  return ids.map((id) => ({ id, title: id.replace(/^w-/, 'Widget '), value: Math.round(20 + random() * 60) }))
}

/** How long the ticker leaves a widget alone after a client op on it, by default. */
export const DEFAULT_EDIT_GRACE_MS = 5_000

/** Options of {@link startDemoTicker}. */
export interface DemoTickerOptions {
  /** Period between rounds of updates, in ms. @default 1000 */
  intervalMs?: number
  /** Widget ids moved every round; ids that do not exist (e.g. deleted by a user) are skipped. @default w-1 .. w-6 */
  widgetIds?: readonly string[]
  /** Random source in [0, 1). @default Math.random */
  random?: () => number
  /**
   * A widget that received a client op less than this many ms ago is left alone this round, so
   * the ticker does not overwrite (or conflict with) what someone is editing. 0 never skips.
   * @default 5000
   */
  editGraceMs?: number
  /** The clock compared with `server.lastOpAt`: pass the server's own when you injected one. @default Date.now */
  now?: () => number
  /** Told when moving widget `id` threw (the round goes on with the next widget). @default ignore */
  onError?: (id: string, error: unknown) => void
}

/** A running ticker. */
export interface DemoTicker {
  /** Runs one round now (what every interval does). */
  tick(): void
  /** Stops the interval. */
  stop(): void
}

/**
 * Starts moving the widgets' `value` every interval: a step in [-5, 5), clamped to [0, 100],
 * rounded to one decimal, applied with `server.touch` (one versioned `WIDGET_UPDATE` broadcast per
 * widget, without opId). A widget whose value is not a number restarts from 50. A widget someone
 * is editing (a client op within `editGraceMs`) is skipped. On a server started with `redis` the
 * touches go through Redis (a failed one is reported to `onError` when it fails); the grace
 * only knows the ops that reached this instance.
 */
export function startDemoTicker(server: AnyReferenceServer, options: DemoTickerOptions = {}): DemoTicker {
  const random = options.random ?? Math.random
  const ids = options.widgetIds ?? DEMO_WIDGET_IDS
  const editGraceMs = options.editGraceMs ?? DEFAULT_EDIT_GRACE_MS
  const now = options.now ?? Date.now
  const beingEdited = (id: string): boolean => {
    const at = server.lastOpAt(id)
    return at !== undefined && now() - at < editGraceMs
  }

  const moveOne = (id: string): void => {
    const widget = server.widget(id)
    if (!widget || beingEdited(id)) return
    const current = typeof widget.value === 'number' && Number.isFinite(widget.value) ? widget.value : 50
    const step = (random() - 0.5) * 10
    const touched = server.touch(id, { value: Math.round(Math.min(100, Math.max(0, current + step)) * 10) / 10 })
    if (touched instanceof Promise) touched.catch((error: unknown) => options.onError?.(id, error))
  }
  const tick = (): void => {
    for (const id of ids) {
      // Whatever a client made of a widget, a throw here must not end the process (an interval
      // callback that throws is an uncaught exception): that widget waits for the next round.
      try {
        moveOne(id)
      } catch (error) {
        options.onError?.(id, error)
      }
    }
  }
  const timer = setInterval(tick, options.intervalMs ?? 1000)
  return { tick, stop: () => clearInterval(timer) }
}
