import { formatTime } from '../format'
import { useAppDispatch, useAppSelector } from '../store'
import { activitySlice } from '../activitySlice'

/**
 * What happened, newest first: the socket, the network (offline / online), the sync (started,
 * done, stale, failed) and the outbox (read back, taken over, storage failures). Entries are
 * written by listener effects from the package's actions (../activity.ts), so nothing that
 * happens before this component mounts is missed.
 */
export function ActivityLog() {
  const entries = useAppSelector((state) => state.activity)
  const dispatch = useAppDispatch()
  return (
    <section className="card card--activity" aria-labelledby="activity-title">
      <header className="card__header">
        <h2 id="activity-title">Activity</h2>
        <span className="card__meta">
          socket · network · sync · outbox
          {entries.length > 0 ? (
            <>
              {' · '}
              <button type="button" className="link-button" data-testid="activity-clear" onClick={() => dispatch(activitySlice.actions.cleared())}>
                clear
              </button>
            </>
          ) : null}
        </span>
      </header>
      {entries.length === 0 ? (
        <p className="empty">No events yet.</p>
      ) : (
        <ol className="activity" id="activity-log" data-testid="activity-log">
          {entries.map((e) => (
            <li key={e.id} className={`activity__item activity__item--${e.kind}`} data-kind={e.kind}>
              <time className="activity__time">{formatTime(e.at)}</time>
              <span className="activity__text">{e.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
