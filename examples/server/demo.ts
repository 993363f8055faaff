/**
 * The demo ticker: keeps the dashboard alive by broadcasting `WIDGET_UPDATE`s for a few widgets,
 * their values doing a random walk and their versions incrementing per widget.
 */
import type { ReferenceServer } from './types'

/** Options of {@link startDemoTicker}. */
export interface DemoTickerOptions {
  /** Period between rounds of updates, in ms. @default 1000 */
  intervalMs?: number
  /** Widget ids updated every round. @default w-1 .. w-6 */
  widgetIds?: readonly string[]
  /** Random source in [0, 1). @default Math.random */
  random?: () => number
}

/** A running ticker. */
export interface DemoTicker {
  /** Current `{ value, version }` per widget id. */
  readonly widgets: ReadonlyMap<string, { value: number; version: number }>
  /** Broadcasts one round now (what every interval does). */
  tick(): void
  /** Stops the interval. */
  stop(): void
}

/** Starts broadcasting `WIDGET_UPDATE { id, value, version }` for every widget each interval. */
export function startDemoTicker(server: ReferenceServer, options: DemoTickerOptions = {}): DemoTicker {
  const random = options.random ?? Math.random
  const ids = options.widgetIds ?? ['w-1', 'w-2', 'w-3', 'w-4', 'w-5', 'w-6']
  const widgets = new Map<string, { value: number; version: number }>()
  for (const id of ids) widgets.set(id, { value: Math.round(20 + random() * 60), version: 0 })

  const tick = (): void => {
    for (const [id, widget] of widgets) {
      const step = (random() - 0.5) * 10
      widget.value = Math.round(Math.min(100, Math.max(0, widget.value + step)) * 10) / 10
      widget.version += 1
      server.broadcast('WIDGET_UPDATE', { id, value: widget.value, version: widget.version })
    }
  }
  const timer = setInterval(tick, options.intervalMs ?? 1000)
  return { widgets, tick, stop: () => clearInterval(timer) }
}
