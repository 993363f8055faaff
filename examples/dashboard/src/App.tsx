import { ActivityLog } from './components/ActivityLog'
import { ConnectionControls } from './components/ConnectionControls'
import { ConnectionPanel } from './components/ConnectionPanel'
import { NetworkSwitch } from './components/NetworkSwitch'
import { StatusBadge } from './components/StatusBadge'
import { SyncBadge } from './components/SyncBadge'
import { SyncPanels } from './components/SyncPanels'
import { WidgetGrid } from './components/WidgetGrid'
import { useRealtime } from './hooks'
import { settings, useAppSelector } from './store'

export function App() {
  // Only the status: useWebSocket()/useConnectionStatus() would re-render the whole page on every
  // inbound message (the connection slice counts them). The package PINGs as soon as the socket
  // opens, so the latency is known at once.
  const { selectors } = useRealtime()
  const status = useAppSelector(selectors.selectConnectionStatus)
  const online = useAppSelector((state) => selectors.selectConnection(state).online)
  // A page that starts offline has not connected yet (`idle`, see ./store.ts): that is offline.
  const shown = status === 'idle' && !online ? 'offline' : status

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
        <StatusBadge status={shown} />
        <SyncBadge />
        <NetworkSwitch />
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
