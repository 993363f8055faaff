import { useSyncStatus } from 'rtk-realtime/react'
import { formatAgo } from '../format'
import { useNow } from '../useNow'
import { WIDGETS } from '../widgets'

type SyncBadgeState = 'loading' | 'syncing' | 'synced' | 'stale' | 'offline' | 'error'

/**
 * The sync badge: how fresh the widgets are, from `useSyncStatus()` (the sync state, the queue
 * size and each collection's status; it re-renders on none of the inbound traffic).
 *   syncing                 a SYNC is running
 *   synced 4s ago           the last sync succeeded then; live updates keep the data current
 *   stale                   something may have been missed (a reconnect, a seq gap, a refresh): a sync is due
 *   offline · 3 queued      no network: syncs pause; edits wait in the outbox
 *   sync error              the last sync failed (the code and message in its tooltip); it is retried
 */
export function SyncBadge() {
  const sync = useSyncStatus()
  const collection = sync.collections[WIDGETS]?.status ?? 'loading'
  const queued = sync.queueSize
  const now = useNow(1000, sync.lastSyncAt !== null)

  let state: SyncBadgeState
  let text: string
  let hint: string
  if (sync.status === 'offline') {
    state = 'offline'
    text = `offline · ${queued} queued`
    hint = 'No network: syncs pause; edits wait in the persisted outbox and go out when the network is back'
  } else if (sync.status === 'syncing') {
    state = 'syncing'
    text = 'syncing…'
    hint = `A sync is running (${sync.lastReason ?? 'initial'})`
  } else if (sync.status === 'error') {
    state = 'error'
    text = `sync error${sync.lastError?.code ? ` · ${sync.lastError.code}` : ''}`
    hint = `${sync.lastError?.message ?? 'The last sync failed'}; it is tried again`
  } else if (collection === 'loading') {
    state = 'loading'
    text = 'loading…'
    hint = 'The widgets have not been loaded yet'
  } else if (collection === 'stale') {
    state = 'stale'
    text = 'stale'
    hint = 'Updates may have been missed; a sync is due'
  } else {
    state = 'synced'
    text = `synced ${formatAgo(sync.lastSyncAt, now)}`
    hint = 'The last sync succeeded then; live updates keep the widgets current since'
  }

  return (
    <span className={`badge badge--sync badge--sync-${state}`} title={hint} data-testid="sync-badge" data-state={state} data-queued={queued}>
      <span className="badge__dot" aria-hidden="true" />
      <span id="sync-status" data-testid="sync-status">
        {text}
      </span>
    </span>
  )
}
