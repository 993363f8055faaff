import { useWebSocket } from 'rtk-realtime/react'
import { PingButton } from './PingButton'

/** Connect / Disconnect and Ping: the hook's functions, nothing else. */
export function ConnectionControls() {
  const { status, connect, disconnect } = useWebSocket()
  const canDisconnect = status !== 'closed' && status !== 'idle'
  const canConnect = status !== 'open' && status !== 'connecting'
  return (
    <div className="controls">
      <PingButton />
      <button id="disconnect-button" data-testid="disconnect-button" className="button button--ghost" onClick={disconnect} disabled={!canDisconnect}>
        Disconnect
      </button>
      <button id="connect-button" data-testid="connect-button" className="button" onClick={connect} disabled={!canConnect}>
        {status === 'reconnecting' || status === 'failed' ? 'Retry now' : 'Connect'}
      </button>
    </div>
  )
}
