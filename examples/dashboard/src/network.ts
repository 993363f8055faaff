/**
 * The dashboard's offline switch: a simulated loss of network, on top of what the browser reports.
 *
 * The package learns about the network from an environment installer (`createRealtime({
 * environmentListeners })`, README "Injecting the world"). The dashboard's installer is the
 * package's `browserEnvironment` (the window's `online`/`offline` events, `navigator.onLine` at
 * start) plus the switch: while the switch says offline, the browser's `online` event is not
 * passed on, and the store starts offline. Flipping the switch dispatches `offline()` / `online()`
 * itself, exactly what the browser's events do: `offline()` closes the socket (code 4002) and
 * pauses attempts and syncs; edits queue in the persisted outbox.
 *
 * The switch is kept in sessionStorage (per tab), so a reload of a tab that was switched offline
 * starts offline too, without ever opening a socket: that is how the outbox is shown surviving a
 * reload while offline.
 */
import { browserEnvironment, type EnvironmentInstaller } from 'rtk-realtime'

const KEY = 'rtk-realtime-dashboard:offline'

function sessionStore(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage
  } catch {
    return null // storage disabled: the switch then lasts until the page goes
  }
}

let simulated = sessionStore()?.getItem(KEY) === '1'

/** Whether the offline switch is on (this tab, surviving reloads). */
export function isSimulatedOffline(): boolean {
  return simulated
}

/** Sets the switch (the caller dispatches `offline()` / `online()`). */
export function setSimulatedOffline(offline: boolean): void {
  simulated = offline
  try {
    if (offline) sessionStore()?.setItem(KEY, '1')
    else sessionStore()?.removeItem(KEY)
  } catch {
    // Not persisted; the switch still works for this page.
  }
}

/** What the browser says (`navigator.onLine`); true where it cannot tell. */
export function browserOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false
}

/**
 * The environment installer: the browser's events, except that coming back online while the
 * switch is on is not reported; and the switch's state at start.
 */
export const dashboardEnvironment: EnvironmentInstaller = (handlers) => {
  const uninstall = browserEnvironment({
    online: () => {
      if (!simulated) handlers.online()
    },
    offline: () => handlers.offline(),
    visibilityChanged: (visible) => handlers.visibilityChanged(visible),
  })
  // browserEnvironment already reported offline when navigator.onLine is false.
  if (simulated && browserOnline()) handlers.offline()
  return uninstall
}
