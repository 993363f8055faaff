/**
 * The optimistic layer, as plain data from the realtime state (README, "Collections and optimistic
 * updates"), side by side:
 *   - The outbox (id="pending-ops", ./OutboxPanel.tsx): every op not yet confirmed, with its status
 *     (`queued`, `sent`), deliveries and age, and what of it is persisted in IndexedDB.
 *   - Conflicts (id="conflicts"): server changes that landed on a widget with pending edits, and
 *     the strategy that resolved them.
 *   - Rollbacks (id="rollbacks"): edits that left the view unconfirmed, with the reason code.
 * Plus the conflict strategy selector, which reloads the page with `?conflict=` (see ../settings.ts).
 */
import type { ChangeEvent } from 'react'
import type { Conflict, ConflictResolution, Rollback } from 'rtk-realtime'
import { useConflicts } from 'rtk-realtime/react'
import { formatAgo, formatTime } from '../format'
import { CONFLICT_STRATEGIES, withConflictStrategy } from '../settings'
import { realtime, settings, useAppDispatch, useAppSelector } from '../store'
import { useNow } from '../useNow'
import { isWidget } from '../widgets'
import { describeArgs, OutboxPanel } from './OutboxPanel'

const STRATEGY_HINTS: Record<ConflictResolution, string> = {
  REMOTE_WINS: 'the server’s change wins; your pending edits are rolled back',
  LOCAL_WINS: 'your pending edits stay on top of the server’s change, against its new version',
  MERGE: 'field by field: the server keeps the fields it changed, your edits keep the others',
}

/**
 * A side of a conflict, compactly: the widget's `value` (and title), or "deleted". A conflict may be
 * of any collection, so its sides are `unknown`: they are checked, not cast.
 */
function describeWidget(entity: unknown): string {
  if (entity === null || entity === undefined) return 'deleted'
  if (!isWidget(entity)) return JSON.stringify(entity)
  return typeof entity.title === 'string' ? `${entity.value} “${entity.title}”` : String(entity.value)
}

function conflictSentence(conflict: Conflict): string {
  const what = `your change to ${conflict.key}`
  switch (conflict.strategy) {
    case 'REMOTE_WINS':
      return `${what} was overwritten by server version ${conflict.remoteVersion}`
    case 'LOCAL_WINS':
      return `${what} was kept over server version ${conflict.remoteVersion}`
    case 'MERGE':
      return `${what} was merged with server version ${conflict.remoteVersion}`
  }
}

function StrategySelect() {
  const onChange = (event: ChangeEvent<HTMLSelectElement>) => {
    const strategy = event.target.value as ConflictResolution
    // Config is fixed when the store is created: a new strategy means a new page.
    window.location.search = withConflictStrategy(window.location.search, strategy)
  }
  return (
    <label className="strategy" title={`${STRATEGY_HINTS[settings.conflict]}. Changing it reloads the page (?conflict=).`}>
      <span className="strategy__label">Conflicts</span>
      <select id="conflict-strategy" data-testid="conflict-strategy" className="strategy__select" value={settings.conflict} onChange={onChange}>
        {CONFLICT_STRATEGIES.map((strategy) => (
          <option key={strategy} value={strategy}>
            {strategy}
          </option>
        ))}
      </select>
    </label>
  )
}

function ConflictsPanel() {
  const { conflicts, clear } = useConflicts()
  const now = useNow(1000, conflicts.length > 0)
  return (
    <div className="sync-panel" id="conflicts" data-testid="conflicts" data-count={conflicts.length}>
      <header className="sync-panel__header">
        <h3>
          Conflicts <span className="count">{conflicts.length}</span>
        </h3>
        {conflicts.length > 0 ? (
          <button type="button" className="link-button" data-testid="conflicts-clear" onClick={clear}>
            clear
          </button>
        ) : null}
      </header>
      {conflicts.length === 0 ? (
        <p className="empty">No server change has landed on a pending edit.</p>
      ) : (
        <ol className="events">
          {[...conflicts].reverse().map((c) => (
            <li key={`${c.collection}/${c.key}/${c.remoteVersion}/${c.at}`} className="event event--conflict" data-testid="conflict" data-key={c.key} data-strategy={c.strategy}>
              <div className="event__head">
                <span className={`pill pill--strategy pill--${c.strategy.toLowerCase()}`}>{c.strategy}</span>
                <time className="event__time" title={formatTime(c.at)}>
                  {formatAgo(c.at, now)}
                </time>
              </div>
              <p className="event__text">{conflictSentence(c)}</p>
              <p className="event__detail">
                yours <code>{describeWidget(c.local)}</code> · server <code>{describeWidget(c.remote)}</code>
                {c.fields && c.fields.length > 0 ? <> · both changed {c.fields.join(', ')}</> : null}
              </p>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}

function RollbacksPanel() {
  const rollbacks = useAppSelector(realtime.selectors.selectRollbacks)
  const dispatch = useAppDispatch()
  const now = useNow(1000, rollbacks.length > 0)
  return (
    <div className="sync-panel" id="rollbacks" data-testid="rollbacks" data-count={rollbacks.length}>
      <header className="sync-panel__header">
        <h3>
          Rollbacks <span className="count">{rollbacks.length}</span>
        </h3>
        {rollbacks.length > 0 ? (
          <button type="button" className="link-button" data-testid="rollbacks-clear" onClick={() => dispatch(realtime.actions.rollbacksCleared())}>
            clear
          </button>
        ) : null}
      </header>
      {rollbacks.length === 0 ? (
        <p className="empty">No edit has been undone.</p>
      ) : (
        <ol className="events">
          {[...rollbacks].reverse().map((r: Rollback) => (
            <li
              key={r.opId}
              className="event event--rollback"
              data-testid="rollback"
              data-op-id={r.opId}
              data-key={r.key}
              data-reason={r.reason.code}
              data-applied-after-all={r.appliedAfterAll ? 'true' : undefined}
            >
              <div className="event__head">
                <span className="pill pill--reason">{r.reason.code}</span>
                {r.appliedAfterAll ? (
                  <span className="pill pill--applied" title="A later answer showed that the server applied this edit after all">applied after all</span>
                ) : r.reason.inDoubt ? (
                  <span className="pill pill--doubt" title="Its delivery was never answered: the server may have applied it">in doubt</span>
                ) : null}
                <span className="event__what">
                  {r.mutation} {r.key} <span className="event__args">({describeArgs(r.args, r.key)})</span>
                </span>
                <time className="event__time" title={formatTime(r.at)}>
                  {formatAgo(r.at, now)}
                </time>
              </div>
              <p className="event__text event__text--message" title={r.reason.message}>
                {r.reason.message.replace(/^rtk-realtime: /, '')}
              </p>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}

export function SyncPanels() {
  return (
    <section className="card card--sync" aria-labelledby="sync-title" id="sync-panels">
      <header className="card__header">
        <h2 id="sync-title">Optimistic sync</h2>
        <StrategySelect />
      </header>
      <div className="sync-panels">
        <OutboxPanel />
        <ConflictsPanel />
        <RollbacksPanel />
      </div>
    </section>
  )
}
