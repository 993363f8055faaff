import { expect } from 'vitest'
import type { Conflict, createRealtime, Rollback } from 'rtk-realtime'
import type { ReferenceServer } from '../../../examples/server'
import { widgetOptions, type Widget } from '../../support/widgets'
import { createClient, until, type ClientOptions } from './harness'

type WidgetRealtime = ReturnType<typeof createRealtime<'realtime', typeof widgetOptions.mutations>>

/**
 * A harness client with the widgets collection and mutations of test/support/widgets.ts, typed
 * actions, selectors bound to its store, and a record of every rollback and conflict it ever had
 * (state keeps only the last 50 of each; a store subscriber sees each rollback as it lands).
 */
export function createWidgetClient(options: Omit<ClientOptions, 'collections' | 'mutations'> = {}) {
  /** Every conflict, as passed to `onConflict` (state keeps the last 50). */
  const allConflicts: Conflict[] = []
  const client = createClient({
    ...widgetOptions,
    // RTK's serializability and immutability checks run on every action; only their "took N ms"
    // timing warning (32 ms by default) is raised: two stores, the server and the test share one
    // event loop, and on a loaded machine a single check can exceed 32 ms with a state of a few KB.
    checksWarnAfter: 500,
    ...options,
    onConflict: (conflict) => {
      allConflicts.push(conflict)
      options.onConflict?.(conflict)
    },
  })
  const realtime = client.realtime as unknown as WidgetRealtime
  const { store } = client
  const selectors = realtime.selectors
  const state = () => store.getState()

  // Every rollback ever recorded, as last seen: a record amended later (appliedAfterAll, inDoubt)
  // replaces the earlier version, also after it left the bounded list.
  const allRollbacks = new Map<string, Rollback>()
  store.subscribe(() => {
    for (const rollback of selectors.selectRollbacks(state())) allRollbacks.set(rollback.opId, rollback)
  })

  /** Every opId this client minted, in creation order, with the key it changes. */
  const created: { opId: string; key: string }[] = []
  const dispatchOp = <A extends { payload: { opId: string; key: string } }>(action: A): string => {
    store.dispatch(action as never)
    created.push({ opId: action.payload.opId, key: action.payload.key })
    return action.payload.opId
  }

  return {
    ...client,
    realtime,
    actions: realtime.actions,
    created,
    allRollbacks,
    allConflicts,
    update: (id: string, value: number) => dispatchOp(realtime.actions.updateWidget({ id, value })),
    rename: (id: string, title: string) => dispatchOp(realtime.actions.renameWidget({ id, title })),
    view: (id: string) => selectors.selectEntity(state(), 'widgets', id) as Widget | null | undefined,
    record: (id: string) => selectors.selectEntityRecord(state(), 'widgets', id),
    pending: () => selectors.selectPendingOps(state()),
    pendingCount: () => selectors.selectPendingCount(state()),
    conflicts: () => selectors.selectConflicts(state()),
    rollbacks: () => selectors.selectRollbacks(state()),
    /**
     * An ECHO request and its reply. The server handles a socket's frames in order and answers
     * (and broadcasts) synchronously, so once the reply is here every frame this client sent
     * before it has been handled, and its ACK/NACK received.
     */
    roundTrip: async (): Promise<void> => {
      await store.dispatch(client.realtime.request('ECHO', { roundTrip: true }))
    },
  }
}

export type WidgetClient = ReturnType<typeof createWidgetClient>

/** The server's widget without `version`: what a client's view should equal. */
export function serverEntity(server: Pick<ReferenceServer, 'widget'>, id: string): Record<string, unknown> | null {
  const snapshot = server.widget(id)
  if (!snapshot) return null
  const { version: _version, ...entity } = snapshot
  return entity
}

/** Whether `client` holds the server's value and version of every widget in `ids`, with nothing pending. */
export function isConverged(server: Pick<ReferenceServer, 'widget'>, client: WidgetClient, ids: readonly string[]): boolean {
  if (client.pendingCount() !== 0) return false
  return ids.every((id) => {
    const record = client.record(id)
    return (
      record !== undefined &&
      record.version === (server.widget(id)?.version ?? -1) &&
      JSON.stringify(sorted(record.view)) === JSON.stringify(sorted(serverEntity(server, id)))
    )
  })
}

/** A readable account of where `client` differs from the server, for failure messages. */
export function divergence(server: Pick<ReferenceServer, 'widget'>, client: WidgetClient, ids: readonly string[]): string {
  const lines = [`pending ops: ${client.pendingCount()}`]
  for (const id of ids) {
    const record = client.record(id)
    lines.push(`${id}: server ${JSON.stringify(server.widget(id))} client v${record?.version} ${JSON.stringify(record?.view)}`)
  }
  return lines.join('; ')
}

/**
 * Waits until every client has no pending ops and holds the server's state of every widget in
 * `ids`, then asserts it field by field (so a failure shows a diff).
 */
export async function expectConverged(server: Pick<ReferenceServer, 'widget'>, clients: readonly WidgetClient[], ids: readonly string[], timeout = 10_000) {
  const converged = () =>
    until(
      () => clients.every((client) => isConverged(server, client, ids)),
      () => clients.map((client, i) => `client ${i} converged (${divergence(server, client, ids)})`).join(' | '),
      timeout,
    )
  await converged()
  // No op pending does not mean the server is done: an op rolled back while on the wire may not
  // have been handled yet. After a round trip on every socket the server has handled everything
  // the clients sent; what it broadcast since may still sit in a batch window, hence the re-check.
  await Promise.all(clients.map((client) => client.roundTrip()))
  await converged()
  for (const client of clients) {
    expect(client.pending()).toEqual([])
    for (const id of ids) {
      const record = client.record(id)!
      expect(record.view, `view of ${id}`).toEqual(serverEntity(server, id))
      expect(record.confirmed, `confirmed value of ${id}`).toEqual(serverEntity(server, id))
      expect(record.version, `version of ${id}`).toBe(server.widget(id)!.version)
    }
  }
}

function sorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
