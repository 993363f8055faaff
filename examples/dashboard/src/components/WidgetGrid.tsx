import { memo, useState, type FormEvent, type KeyboardEvent } from 'react'
import { shallowEqual } from 'react-redux'
import { useBackgroundSync, useSyncStatus } from 'rtk-realtime/react'
import { formatNumber } from '../format'
import { useEntity } from '../hooks'
import { realtime, useAppDispatch, useAppSelector, type RootState } from '../store'
import { clampValue, compareIds, TITLE_MAX_LENGTH, VALUE_MAX, VALUE_MIN, WIDGETS, type Widget } from '../widgets'
import { Sparkline } from './Sparkline'

const EMPTY_SERIES: readonly number[] = []

function level(value: number): 'low' | 'mid' | 'high' {
  return value >= 75 ? 'high' : value >= 40 ? 'mid' : 'low'
}

/** The ids of the widgets that exist (in their views), in display order. */
const selectWidgetIds = (state: RootState): string[] => {
  // Deleted widgets are left out of selectEntities already: every key is a widget that exists.
  return Object.keys(realtime.selectors.selectEntities(state, WIDGETS)).sort(compareIds)
}

/** Why widget `id` is stale: its own refresh mark, else its collection's reason; null when it is not. */
function staleReasonOf(state: RootState, id: string): string | null {
  const sync = realtime.selectors.selectSync(state)
  const mark = sync.entities.find((m) => m.collection === WIDGETS && m.key === id)
  if (mark) return mark.reason
  return sync.collections[WIDGETS]?.staleReason ?? null
}

/** The title, as a button that turns into a text field (Enter or leaving it renames; Escape cancels). */
function InlineTitle({ widget }: { widget: Widget }) {
  const { actions } = realtime
  const dispatch = useAppDispatch()
  const [draft, setDraft] = useState<string | null>(null)

  const commit = () => {
    if (draft === null) return
    const next = draft.trim().slice(0, TITLE_MAX_LENGTH)
    setDraft(null)
    if (next !== '' && next !== widget.title) dispatch(actions.renameWidget({ id: widget.id, title: next }))
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    commit()
  }
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape') setDraft(null)
  }

  if (draft === null) {
    return (
      <button
        type="button"
        className={`widget__title${widget.title ? '' : ' widget__title--none'}`}
        id={`widget-title-${widget.id}`}
        data-testid={`widget-title-${widget.id}`}
        title="Rename"
        onClick={() => setDraft(widget.title ?? '')}
      >
        {widget.title || 'Untitled'}
      </button>
    )
  }
  return (
    <form className="widget__rename" onSubmit={onSubmit}>
      <input
        className="widget__rename-input"
        data-testid={`widget-title-input-${widget.id}`}
        aria-label={`New title of ${widget.id}`}
        value={draft}
        maxLength={TITLE_MAX_LENGTH}
        autoFocus
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
        onBlur={commit}
      />
    </form>
  )
}

/**
 * One widget, read with the typed `useEntity` of ../hooks (its view as a `Widget`, whether it is
 * `ready` or `stale`, pending, and its version): the card re-renders only when its own widget or
 * series changes. The mutation creators of `realtime` know their args.
 */
const WidgetCard = memo(function WidgetCard({ id }: { id: string }) {
  const { actions } = realtime
  const dispatch = useAppDispatch()
  // status: 'ready', or 'stale' (a refresh of it is due or running, or its collection may have missed updates).
  const { data: widget, status, pending, version } = useEntity(WIDGETS, id)
  const staleReason = useAppSelector((state) => staleReasonOf(state, id))
  const series = useAppSelector((state) => state.sparklines[id]?.values ?? EMPTY_SERIES)
  if (!widget) return null // deleted (by the server, or by a pending delete)

  const previous = series.at(-1) === widget.value ? series.at(-2) : series.at(-1)
  const trend = previous === undefined || previous === widget.value ? 'flat' : widget.value > previous ? 'up' : 'down'
  const setValue = (value: number) => dispatch(actions.updateWidget({ id, value: clampValue(value) }))

  return (
    <article
      className={`widget widget--${level(widget.value)}${pending ? ' widget--pending' : ''}`}
      id={`widget-${id}`}
      data-testid={`widget-${id}`}
      data-version={version}
      data-pending={pending ? 'true' : 'false'}
      data-status={status}
    >
      <header className="widget__header">
        <h3 className="widget__id">{id}</h3>
        <span className="widget__meta">
          {status === 'stale' ? (
            <span className="pill pill--stale" data-testid={`widget-stale-${id}`} title={`May be out of date (${staleReason ?? 'stale'}): a sync is due`}>
              stale
            </span>
          ) : null}
          {pending ? (
            <span className="pill pill--pending" data-testid={`widget-pending-${id}`} title="Changed here; waiting for the server’s ACK">
              pending
            </span>
          ) : null}
          <span className="widget__version" data-testid={`widget-version-${id}`} title="The server’s version of this widget">
            v{version}
          </span>
          <button
            type="button"
            className="icon-button icon-button--small"
            data-testid={`widget-refresh-${id}`}
            aria-label={`Refresh ${id}`}
            title="Refresh: marked stale until its collection is synced again (refreshWidget)"
            onClick={() => dispatch(actions.refreshWidget(id, WIDGETS))}
          >
            ↻
          </button>
        </span>
      </header>
      <InlineTitle widget={widget} />
      {/* key: the value re-mounts on every server version, which replays the flash animation */}
      <p className="widget__value" key={version}>
        <span id={`widget-value-${id}`} data-testid={`widget-value-${id}`}>
          {formatNumber(widget.value)}
        </span>
        <span className={`widget__trend widget__trend--${trend}`} aria-label={`trend ${trend}`}>
          {trend === 'up' ? '▲' : trend === 'down' ? '▼' : '•'}
        </span>
      </p>
      <Sparkline values={series as number[]} />
      <div className="widget__controls">
        <button type="button" className="icon-button" data-testid={`widget-dec-${id}`} aria-label={`Decrease ${id}`} onClick={() => setValue(widget.value - 1)}>
          −
        </button>
        <input
          type="range"
          className="widget__slider"
          data-testid={`widget-slider-${id}`}
          aria-label={`Value of ${id}`}
          min={VALUE_MIN}
          max={VALUE_MAX}
          step={1}
          value={Math.round(widget.value)}
          onChange={(event) => setValue(Number(event.target.value))}
        />
        <button type="button" className="icon-button" data-testid={`widget-inc-${id}`} aria-label={`Increase ${id}`} onClick={() => setValue(widget.value + 1)}>
          +
        </button>
        <button
          type="button"
          className="icon-button icon-button--danger"
          data-testid={`widget-delete-${id}`}
          aria-label={`Delete ${id}`}
          title="Delete"
          onClick={() => dispatch(actions.deleteWidget({ id }))}
        >
          ×
        </button>
      </div>
    </article>
  )
})

/**
 * The widgets of the realtime layer's `widgets` collection: what the package's syncs loaded,
 * server broadcasts, and this page's own optimistic edits, all in one view per widget. "Refresh
 * all" is `useBackgroundSync().refresh` (`refresh()`): every collection is stale until its sync
 * succeeds.
 */
export function WidgetGrid() {
  // The grid re-renders only when the set of widgets changes; each card follows its own widget.
  const ids = useAppSelector(selectWidgetIds, shallowEqual)
  const { refresh } = useBackgroundSync()
  const collection = useSyncStatus().collections[WIDGETS]?.status ?? 'loading'
  return (
    <section className="card card--widgets" aria-labelledby="widgets-title" data-testid="widgets" data-status={collection}>
      <header className="card__header">
        <h2 id="widgets-title">Live widgets</h2>
        <span className="card__meta">
          collection <code>widgets</code> · <span data-testid="widgets-status">{collection}</span> · edits are optimistic
        </span>
        <button
          type="button"
          className="button button--small"
          id="refresh-all"
          data-testid="refresh-all"
          title="Sync every collection now (refresh); each is stale until its sync succeeds"
          onClick={refresh}
        >
          ↻ Refresh all
        </button>
      </header>
      {ids.length === 0 ? (
        collection === 'loading' ? (
          <p className="empty" id="widgets-loading" data-testid="widgets-loading">
            Loading the widgets (the first SYNC runs when the socket opens)…
          </p>
        ) : (
          <p className="empty" id="widgets-empty" data-testid="widgets-empty">
            The server has no widgets. Start it with <code>--demo</code> to see widgets move.
          </p>
        )
      ) : (
        <div className="widget-grid" id="widget-grid" data-testid="widget-grid">
          {ids.map((id) => (
            <WidgetCard key={id} id={id} />
          ))}
        </div>
      )}
    </section>
  )
}
