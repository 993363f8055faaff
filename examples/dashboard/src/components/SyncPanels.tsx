/**
 * THE PLACE FOR THE OPTIMISTIC LAYER'S PANELS (DESIGN.md sections 3 and 7).
 *
 * When the package gains collections, ops and the outbox, this component renders, side by side:
 *   - Pending ops     (id="pending-ops")  ops not yet confirmed, with status and attempts
 *   - Conflicts       (id="conflicts")    remote updates that overwrote a local change
 *   - Outbox          (id="outbox")       persisted ops waiting for the socket, and storage errors
 * each read with the package's hooks (useOptimisticUpdate / useBackgroundSync / useSyncStatus).
 * Until then they say what will appear here. App.tsx already lays this section out.
 */
const PANELS = [
  { id: 'pending-ops', title: 'Pending ops', text: 'Optimistic changes waiting for the server’s ACK.' },
  { id: 'conflicts', title: 'Conflicts', text: 'Local changes a newer server version overwrote.' },
  { id: 'outbox', title: 'Outbox', text: 'Changes made offline, persisted and replayed exactly once.' },
] as const

export function SyncPanels() {
  return (
    <section className="card card--sync" aria-labelledby="sync-title" id="sync-panels">
      <header className="card__header">
        <h2 id="sync-title">Optimistic sync</h2>
        <span className="card__meta">arrives with the optimistic layer</span>
      </header>
      <div className="sync-panels">
        {PANELS.map((panel) => (
          <div key={panel.id} className="sync-panel" id={panel.id} data-testid={panel.id}>
            <h3>{panel.title}</h3>
            <p>{panel.text}</p>
          </div>
        ))}
      </div>
    </section>
  )
}
