import { useEffect, useState } from 'react'
import { useWebSocket } from 'rtk-realtime/react'
import { formatTime } from '../format'

interface Entry {
  id: number
  at: number
  kind: 'connected' | 'disconnected' | 'error' | 'message'
  text: string
}

const MAX_ENTRIES = 8
let nextId = 1

/**
 * Connection events, from `useWebSocket`'s callbacks (kept in refs by the hook: the inline
 * functions below never resubscribe anything), plus `subscribe()` for a message type nobody routed.
 */
export function ActivityLog() {
  const [entries, setEntries] = useState<Entry[]>([])
  const add = (kind: Entry['kind'], text: string) =>
    setEntries((list) => [{ id: nextId++, at: Date.now(), kind, text }, ...list].slice(0, MAX_ENTRIES))

  const { subscribe } = useWebSocket({
    onConnected: () => add('connected', 'socket open'),
    onDisconnected: (close, connection) =>
      add('disconnected', `${connection.status}${close ? ` · close ${close.code}${close.reason ? ` “${close.reason}”` : ''}` : ''}`),
    onError: (error) => add('error', `${error.code ?? error.name}: ${error.message}`),
  })

  // Any unrouted ANNOUNCEMENT the server broadcasts shows up here.
  useEffect(
    () => subscribe('ANNOUNCEMENT', (message) => add('message', `announcement: ${JSON.stringify(message.data)}`)),
    [subscribe],
  )

  return (
    <section className="card card--activity" aria-labelledby="activity-title">
      <header className="card__header">
        <h2 id="activity-title">Activity</h2>
        <span className="card__meta">onConnected · onDisconnected · onError</span>
      </header>
      {entries.length === 0 ? (
        <p className="empty">No events yet.</p>
      ) : (
        <ol className="activity" id="activity-log" data-testid="activity-log">
          {entries.map((e) => (
            <li key={e.id} className={`activity__item activity__item--${e.kind}`}>
              <time className="activity__time">{formatTime(e.at)}</time>
              <span className="activity__text">{e.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
