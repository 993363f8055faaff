import { vi } from 'vitest'
import type { RealtimeConfigInput } from '../../src'
import { endOfTurn, FakeWebSocket } from '../support/fakeWebSocket'
import { createWidgetStore } from '../support/widgets'

type Options = NonNullable<Parameters<typeof createWidgetStore>[0]>

/** Frames of the widgets example: an entity update numbered `seq`. */
export const update = (id: string, version: number, fields: Record<string, unknown>, seq?: number) => ({
  type: 'WIDGET_UPDATE',
  data: { id, version, ...fields },
  ...(seq === undefined ? {} : { seq }),
})

/**
 * A widget store on a fake socket, with quiet timers (no heartbeat, no wake checks) and no batch
 * window (each update applied as it arrives), plus helpers to play the server's side of SYNC.
 * Config sections are merged over those defaults.
 */
export function createSyncStore(options: Omit<Options, 'config'> & { config?: RealtimeConfigInput } = {}) {
  const { config = {}, ...rest } = options
  const t = createWidgetStore({
    ...rest,
    config: {
      ...config,
      websocket: { HEARTBEAT_INTERVAL: 0, WAKE_CHECK_INTERVAL: 0, ...config.websocket },
      updates: { BATCH_MODE: 'off', ...config.updates },
    },
  } as Options)
  const state = () => t.store.getState().realtime
  const sync = () => state().sync
  const socket = () => FakeWebSocket.last
  const selectors = t.realtime.selectors
  return {
    ...t,
    socket,
    sync,
    /** The SYNC requests sent on the current socket. */
    syncs: () => socket().syncRequests,
    /** The last SYNC request on the current socket. */
    lastSync: () => {
      const request = socket().syncRequests.at(-1)
      if (!request) throw new Error('no SYNC request was sent on this socket')
      return request
    },
    /** Answers the last SYNC request with `data`; lets the turn end. */
    async reply(data: unknown, type = 'SYNC') {
      const request = socket().syncRequests.at(-1)
      if (!request) throw new Error('no SYNC request to answer')
      socket().deliver({ type, replyTo: request.id, data })
      await endOfTurn()
    },
    /** Opens the current socket and lets the SYNC (sent after the turn) go out. */
    async open() {
      socket().acceptOpen()
      await endOfTurn()
    },
    async deliver(...frames: unknown[]) {
      for (const frame of frames) socket().deliver(frame)
      await endOfTurn()
    },
    entityStatus: (key: string, collection = 'widgets') => selectors.selectEntityStatus(t.store.getState(), collection, key),
    collectionStatus: (collection = 'widgets') => selectors.selectCollectionStatus(t.store.getState(), collection),
    syncStatus: () => selectors.selectSyncStatus(t.store.getState()),
    syncActions: () => t.types().filter((type) => type.startsWith('realtime/sync/')),
  }
}

/** A sync store that started, opened its socket and answered the first SYNC with `snapshot` (at `seq`). */
export async function loadedStore(options: Parameters<typeof createSyncStore>[0] = {}, seq = 5, widgets = [
  { id: 'w-1', title: 'CPU', value: 1, version: 1 },
  { id: 'w-2', title: 'RAM', value: 2, version: 1 },
]) {
  const t = createSyncStore(options)
  await vi.advanceTimersByTimeAsync(0)
  await t.open()
  await t.reply({ snapshot: true, seq, messages: widgets.map((w) => ({ type: 'WIDGET_UPDATE', data: w })) })
  return t
}
