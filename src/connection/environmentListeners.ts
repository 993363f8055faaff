/** Callbacks an installer calls when the environment changes. */
export interface EnvironmentHandlers {
  online(): void
  offline(): void
  visibilityChanged(visible: boolean): void
}

/**
 * Subscribes to environment events and returns the unsubscribe. Replace it for React Native
 * (NetInfo, AppState) or drive it by hand in tests. Like RTK's `setupListeners`.
 */
export type EnvironmentInstaller = (handlers: EnvironmentHandlers) => () => void

/**
 * The browser installer: `online`/`offline` on window and `visibilitychange` on document. It also
 * reports the state at install time when it is not the default (offline, hidden). Where there is
 * no window (Node, workers) it installs nothing.
 */
export const browserEnvironment: EnvironmentInstaller = (handlers) => {
  const win = (globalThis as { window?: Window }).window
  const doc = (globalThis as { document?: Document }).document
  if (!win || typeof win.addEventListener !== 'function') return () => {}
  const onOnline = () => handlers.online()
  const onOffline = () => handlers.offline()
  const onVisibility = () => handlers.visibilityChanged(doc?.visibilityState !== 'hidden')
  win.addEventListener('online', onOnline)
  win.addEventListener('offline', onOffline)
  doc?.addEventListener('visibilitychange', onVisibility)
  if (win.navigator?.onLine === false) handlers.offline()
  if (doc?.visibilityState === 'hidden') handlers.visibilityChanged(false)
  return () => {
    win.removeEventListener('online', onOnline)
    win.removeEventListener('offline', onOffline)
    doc?.removeEventListener('visibilitychange', onVisibility)
  }
}
