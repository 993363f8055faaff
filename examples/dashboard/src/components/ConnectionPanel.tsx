import { useConnectionStatus } from 'rtk-realtime/react'
import type { ConnectionState } from 'rtk-realtime'
import type { LastPong } from '../lastPongSlice'
import { formatAgo, formatMs, formatNumber, formatTime } from '../format'
import { useAppSelector } from '../store'
import { useNow } from '../useNow'

function Stat({
  label,
  value,
  id,
  hint,
  muted,
  data,
}: {
  label: string
  value: string
  id: string
  hint?: string
  muted?: boolean
  data?: Record<`data-${string}`, string>
}) {
  return (
    <div className="stat">
      <dt className="stat__label">{label}</dt>
      <dd className={`stat__value${muted ? ' stat__value--muted' : ''}`} id={id} data-testid={id} title={hint} {...data}>
        {value}
      </dd>
    </div>
  )
}

/**
 * The latency, only as true as it is: `latencyMs` is kept after a close (the last known value),
 * so it is shown as the current latency only when the last real PONG (`pongReceived`) came on the
 * socket that is open now; right after a reconnect it says "measuring…" until the first PONG of
 * the new socket, and while there is no socket it says what it was ("was 3 ms").
 */
function latencyOf(c: ConnectionState, lastPong: LastPong | null): { value: string; fresh: boolean; hint: string } {
  const fresh = c.status === 'open' && c.openedAt !== null && lastPong !== null && lastPong.receivedAt >= c.openedAt
  if (fresh) return { value: formatMs(c.latencyMs), fresh, hint: 'Round trip of the last heartbeat PING/PONG on this socket' }
  if (c.status === 'open') return { value: 'measuring…', fresh, hint: 'Waiting for the first PONG on this socket' }
  if (c.latencyMs === null) return { value: '—', fresh, hint: 'No PONG yet' }
  return { value: `was ${formatMs(c.latencyMs)}`, fresh, hint: 'No socket: the last round trip, measured before it closed' }
}

/** Everything the connection sub-slice knows, read with `useConnectionStatus()`. */
export function ConnectionPanel() {
  const c = useConnectionStatus()
  const lastPong = useAppSelector((state) => state.lastPong)
  const latency = latencyOf(c, lastPong)
  const now = useNow(250, c.nextRetryAt !== null || c.openedAt !== null || c.lastMessageAt !== null)
  const retryIn = c.nextRetryAt === null ? null : Math.max(0, c.nextRetryAt - now)
  const inFlight = Object.keys(c.requests).length

  return (
    <section className="card card--connection" aria-labelledby="connection-title">
      <header className="card__header">
        <h2 id="connection-title">Connection</h2>
        <span className="card__meta">{c.online ? 'network online' : 'network offline'} · {c.visible ? 'tab visible' : 'tab hidden'}</span>
      </header>
      <dl className="stats">
        <Stat
          id="latency"
          label="Latency"
          value={latency.value}
          hint={latency.hint}
          muted={!latency.fresh}
          data={{ 'data-fresh': String(latency.fresh), 'data-pong-at': String(lastPong?.receivedAt ?? '') }}
        />
        <Stat id="open-since" label="Open since" value={c.openedAt ? formatAgo(c.openedAt, now) : '—'} />
        <Stat id="attempt" label="Attempt" value={c.attempt === 0 ? '—' : String(c.attempt)} />
        <Stat id="next-retry" label="Next retry" value={retryIn === null ? '—' : `in ${formatMs(retryIn)}`} />
        <Stat id="messages-received" label="Received" value={formatNumber(c.received)} />
        <Stat id="messages-rejected" label="Rejected" value={formatNumber(c.rejected)} hint={c.lastRejection?.reason} />
        <Stat id="buffered" label="Buffered" value={String(c.buffer.length)} hint="Sends waiting for the socket to open" />
        <Stat id="requests-in-flight" label="In flight" value={String(inFlight)} hint="Requests waiting for their reply" />
        <Stat id="last-message" label="Last message" value={formatTime(c.lastMessageAt)} />
      </dl>
      <div className="incidents">
        <div className="incident" id="last-close" data-testid="last-close">
          <span className="incident__label">Last close</span>
          {c.lastClose ? (
            <span className="incident__body">
              <code>{c.lastClose.code}</code> {c.lastClose.wasClean ? 'clean' : 'not clean'}
              {c.lastClose.reason ? <> · {c.lastClose.reason}</> : null}
            </span>
          ) : (
            <span className="incident__body incident__body--none">none</span>
          )}
        </div>
        <div className="incident" id="last-error" data-testid="last-error">
          <span className="incident__label">Last error</span>
          {c.lastError ? (
            <span className="incident__body incident__body--error" title={c.lastError.message}>
              <code>{c.lastError.code ?? c.lastError.name}</code> {c.lastError.message}
            </span>
          ) : (
            <span className="incident__body incident__body--none">none</span>
          )}
        </div>
        {c.lastRejection ? (
          <div className="incident" id="last-rejection" data-testid="last-rejection">
            <span className="incident__label">Last rejection</span>
            <span className="incident__body incident__body--error">
              <code>{c.lastRejection.code}</code> {c.lastRejection.reason}
            </span>
          </div>
        ) : null}
      </div>
    </section>
  )
}
