import { useSyncStatus } from 'rtk-realtime/react'
import { browserOnline, isSimulatedOffline, setSimulatedOffline } from '../network'
import { realtime, useAppDispatch } from '../store'

/**
 * The offline switch: simulates losing the network. On: `offline()` (the socket closes with code
 * 4002, no attempt is made, syncs pause, edits queue in the persisted outbox); off: `online()` (a
 * fresh connect, the queued edits go out, then a SYNC brings what was missed). It shows what the
 * state says (`connection.online`, as `useSyncStatus().isOnline`), so the browser's own offline event turns it on too; while the
 * browser reports no network, switching it off only waits for the browser.
 */
export function NetworkSwitch() {
  const dispatch = useAppDispatch()
  const online = useSyncStatus().isOnline
  const browser = browserOnline()
  const source = online ? 'online' : isSimulatedOffline() ? 'simulated' : 'browser'

  const toggle = () => {
    if (online) {
      setSimulatedOffline(true)
      dispatch(realtime.actions.offline())
    } else {
      setSimulatedOffline(false)
      // The browser's `online` event reports it when the browser itself is the one offline.
      if (browserOnline()) dispatch(realtime.actions.online())
    }
  }

  return (
    <button
      type="button"
      role="switch"
      aria-checked={!online}
      aria-label="Offline"
      className={`switch switch--${online ? 'online' : 'offline'}`}
      id="offline-switch"
      data-testid="offline-switch"
      data-source={source}
      onClick={toggle}
      title={
        online
          ? 'Simulate going offline: the socket closes, edits queue in the outbox (IndexedDB)'
          : browser
            ? 'Back online: reconnect, send the queued edits, sync'
            : 'The browser reports no network: the page goes online when it does'
      }
    >
      <span className="switch__track" aria-hidden="true">
        <span className="switch__thumb" />
      </span>
      <span className="switch__label">{online ? 'Online' : source === 'simulated' ? 'Offline (simulated)' : 'Offline (browser)'}</span>
    </button>
  )
}
