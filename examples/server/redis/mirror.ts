/**
 * An instance's local copy of the widgets, kept from the broadcast stream, so the server's
 * synchronous readers (`server.widgets()`, `server.widget(id)`) work on Redis too. It lags Redis
 * by the stream's delivery; anything that must be exact reads Redis (SYNC, GET_WIDGETS).
 */
import type { BroadcastFrame, WidgetSnapshot } from '../types'

/** Widgets by id as last broadcast. */
export class WidgetMirror {
  private readonly byId = new Map<string, WidgetSnapshot>()

  constructor(
    widgets: readonly WidgetSnapshot[],
    private readonly updateType: string,
  ) {
    this.reset(widgets)
  }

  /** Replaces every widget (a reseed). */
  reset(widgets: readonly WidgetSnapshot[]): void {
    this.byId.clear()
    for (const widget of widgets) this.byId.set(widget.id, widget)
  }

  /** Takes in one broadcast (others than the entity broadcast type are ignored). */
  apply(frame: BroadcastFrame): void {
    if (frame.type !== this.updateType) return
    const data = frame.data as { id?: unknown; deleted?: unknown; opId?: unknown } & Record<string, unknown>
    if (typeof data?.id !== 'string') return
    if (data.deleted === true) {
      this.byId.delete(data.id)
      return
    }
    // Kept as is: all() and get() clone on the way out, and nothing here changes it.
    const { opId: _opId, ...snapshot } = data
    this.byId.set(data.id, snapshot as WidgetSnapshot)
  }

  all(): WidgetSnapshot[] {
    return structuredClone([...this.byId.values()])
  }

  get(id: string): WidgetSnapshot | undefined {
    const widget = this.byId.get(id)
    return widget ? structuredClone(widget) : undefined
  }
}
