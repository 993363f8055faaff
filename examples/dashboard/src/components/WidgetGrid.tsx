import { memo } from 'react'
import { formatNumber } from '../format'
import { selectStaleCount, selectWidgets, useAppSelector } from '../store'
import type { Widget } from '../widgetsSlice'
import { Sparkline } from './Sparkline'

function level(value: number): 'low' | 'mid' | 'high' {
  return value >= 75 ? 'high' : value >= 40 ? 'mid' : 'low'
}

// memo: an update re-renders only the card whose widget changed.
const WidgetCard = memo(function WidgetCard({ widget }: { widget: Widget }) {
  const previous = widget.history.at(-2)
  const trend = previous === undefined || previous === widget.value ? 'flat' : widget.value > previous ? 'up' : 'down'
  return (
    <article className={`widget widget--${level(widget.value)}`} id={`widget-${widget.id}`} data-testid={`widget-${widget.id}`} data-version={widget.version}>
      <header className="widget__header">
        <h3 className="widget__id">{widget.id}</h3>
        <span className="widget__version">v{widget.version}</span>
      </header>
      {/* key: the value re-mounts on every version, which replays the flash animation */}
      <p className="widget__value" key={widget.version}>
        <span id={`widget-value-${widget.id}`} data-testid={`widget-value-${widget.id}`}>
          {formatNumber(widget.value)}
        </span>
        <span className={`widget__trend widget__trend--${trend}`} aria-label={`trend ${trend}`}>
          {trend === 'up' ? '▲' : trend === 'down' ? '▼' : '•'}
        </span>
      </p>
      <Sparkline values={widget.history} />
      <div className="widget__bar" aria-hidden="true">
        <span style={{ width: `${Math.min(100, Math.max(0, widget.value))}%` }} />
      </div>
    </article>
  )
})

/** The live widgets: every `WIDGET_UPDATE` broadcast, routed into the example's widgets slice. */
export function WidgetGrid() {
  const widgets = useAppSelector(selectWidgets)
  const stale = useAppSelector(selectStaleCount)
  return (
    <section className="card card--widgets" aria-labelledby="widgets-title">
      <header className="card__header">
        <h2 id="widgets-title">Live widgets</h2>
        <span className="card__meta">
          WIDGET_UPDATE broadcasts{stale > 0 ? ` · ${stale} stale ignored` : ''}
        </span>
      </header>
      {widgets.length === 0 ? (
        <p className="empty" id="widgets-empty" data-testid="widgets-empty">
          Waiting for <code>WIDGET_UPDATE</code> broadcasts. Start the server with <code>--demo</code> to see widgets move.
        </p>
      ) : (
        <div className="widget-grid" id="widget-grid" data-testid="widget-grid">
          {widgets.map((widget) => (
            <WidgetCard key={widget.id} widget={widget} />
          ))}
        </div>
      )}
    </section>
  )
}
