import type { ConnectionStatus } from 'rtk-realtime'

/** The connection status, exactly as the state says it (`open`, `reconnecting`, ...). */
export function StatusBadge({ status }: { status: ConnectionStatus }) {
  return (
    <span className={`badge badge--${status}`} role="status" aria-live="polite">
      <span className="badge__dot" aria-hidden="true" />
      <span id="connection-status" data-testid="connection-status">
        {status}
      </span>
    </span>
  )
}
