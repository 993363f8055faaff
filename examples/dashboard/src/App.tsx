import { useEffect } from 'react'
import { useRealtime } from 'rtk-realtime/react'
import { ActivityLog } from './components/ActivityLog'
import { ConnectionControls } from './components/ConnectionControls'
import { ConnectionPanel } from './components/ConnectionPanel'
import { StatusBadge } from './components/StatusBadge'
import { SyncPanels } from './components/SyncPanels'
import { WidgetGrid } from './components/WidgetGrid'
import { settings, useAppDispatch, useAppSelector } from './store'

/** Measures latency as soon as the socket opens, instead of waiting a heartbeat interval. */
function useLatencyProbe(isConnected: boolean) {
  const realtime = useRealtime()
  const dispatch = useAppDispatch()
  useEffect(() => {
    if (isConnected) dispatch(realtime.actions.livenessCheck({ reason: 'dashboard opened' }))
  }, [isConnected, dispatch, realtime])
}

export function App() {
  // Only the status: useWebSocket()/useConnectionStatus() would re-render the whole page on every
  // inbound message (the connection slice counts them).
  const { selectors } = useRealtime()
  const status = useAppSelector(selectors.selectConnectionStatus)
  useLatencyProbe(status === 'open')

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand__logo" aria-hidden="true">◆</span>
          <div>
            <h1>Realtime dashboard</h1>
            <p className="brand__sub">
              <code>rtk-realtime</code> on Redux Toolkit · one socket, owned by the store · user <code data-testid="user">{settings.user}</code>
            </p>
          </div>
        </div>
        <StatusBadge status={status} />
        <ConnectionControls />
      </header>

      {settings.ignored.length > 0 ? (
        <p className="notice" role="alert" id="settings-ignored">
          Ignored query parameters: {settings.ignored.join(', ')}
        </p>
      ) : null}

      <main className="layout">
        <div className="layout__main">
          <WidgetGrid />
          {/* The outbox (persisted), conflicts and rollbacks: see components/SyncPanels.tsx. */}
          <SyncPanels />
        </div>
        <aside className="layout__side">
          <ConnectionPanel />
          <ActivityLog />
        </aside>
      </main>
    </div>
  )
}
