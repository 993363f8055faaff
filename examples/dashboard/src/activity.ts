/**
 * Listener effects that write the activity log (./activitySlice.ts) from the package's actions:
 * the socket opening and closing, failed attempts, the network going offline and coming back,
 * syncs (started, done, failed, data marked stale), the persisted outbox (read back, taken over
 * from a closed page, storage failures) and the queue controls. Effects, not reducers: they read
 * the state around the action (the status a close led to) and stamp entries with the clock.
 */
import { isAnyOf, type ListenerMiddlewareInstance, type UnknownAction } from '@reduxjs/toolkit'
import type { OutboxActions, Realtime, RealtimeError, RealtimeState } from 'rtk-realtime'
import { logged } from './activitySlice'

type AnyRealtime = Pick<Realtime, 'actions' | 'reducerPath'>
type Payload<C extends (...args: never[]) => { payload: unknown }> = ReturnType<C>['payload']

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** Starts the effects on `listener` (the store's listener middleware). */
export function startActivityLog(listener: ListenerMiddlewareInstance, realtime: AnyRealtime): void {
  const { actions, reducerPath } = realtime
  const stateOf = (root: unknown) => (root as Record<string, RealtimeState>)[reducerPath]!
  // The outbox's own actions are not among `realtime.actions` (the package dispatches them): match their types.
  const outboxType = (name: keyof OutboxActions) => `${reducerPath}/outbox/${name}`
  const is = (name: keyof OutboxActions) => (action: UnknownAction) => action.type === outboxType(name)

  listener.startListening({
    actionCreator: actions.opened,
    effect: (action, api) => {
      const { flushed } = action.payload
      api.dispatch(logged('connected', `socket open${flushed > 0 ? ` · ${plural(flushed, 'buffered send')} flushed` : ''}`))
    },
  })
  listener.startListening({
    actionCreator: actions.closed,
    effect: (action, api) => {
      const { close } = action.payload
      const status = stateOf(api.getState()).connection.status
      api.dispatch(logged('disconnected', `${status} · close ${close.code}${close.reason ? ` “${close.reason}”` : ''}`))
    },
  })
  const logError = (error: RealtimeError) => logged('error', `${error.code ?? error.name}: ${error.message.replace(/^rtk-realtime: /, '')}`)
  listener.startListening({
    actionCreator: actions.connectFailed,
    effect: (action, api) => void api.dispatch(logError(action.payload.error)),
  })
  listener.startListening({
    actionCreator: actions.socketError,
    effect: (action, api) => void api.dispatch(logError(action.payload)),
  })
  listener.startListening({
    actionCreator: actions.gaveUp,
    effect: (action, api) => {
      api.dispatch(logged('error', `gave up after ${plural(action.payload.attempts, 'attempt')}; Connect retries`))
    },
  })

  // The network: the browser's events and the offline switch dispatch the same actions.
  listener.startListening({
    actionCreator: actions.offline,
    effect: (_action, api) => {
      const before = stateOf(api.getOriginalState()).connection.status
      const queued = stateOf(api.getState()).optimistic.count
      const socket = before === 'open' || before === 'connecting' || before === 'reconnecting' ? 'socket closed' : 'no socket'
      api.dispatch(logged('offline', `offline · ${socket}, ${plural(queued, 'edit')} queued`))
    },
  })
  listener.startListening({
    actionCreator: actions.online,
    effect: (_action, api) => {
      const queued = stateOf(api.getState()).optimistic.count
      api.dispatch(logged('online', `online · connecting${queued > 0 ? `, ${plural(queued, 'queued edit')} to send` : ''}`))
    },
  })

  // The sync.
  listener.startListening({
    actionCreator: actions.syncStarted,
    effect: (action, api) => {
      api.dispatch(logged('sync', `sync started (${action.payload.reason}) · ${action.payload.collections.join(', ')}`, action.payload.at))
    },
  })
  listener.startListening({
    actionCreator: actions.syncSucceeded,
    effect: (action, api) => {
      const { updates, snapshot, removals, reason, at } = action.payload
      const what = snapshot ? `snapshot of ${plural(updates.length, 'entity', 'entities')}` : plural(updates.length, 'missed update')
      const removed = removals.length > 0 ? `, ${removals.length} removed` : ''
      api.dispatch(logged('sync', `synced (${reason}) · ${what}${removed}`, at))
    },
  })
  listener.startListening({
    actionCreator: actions.syncFailed,
    effect: (action, api) => {
      const { error, reason, at } = action.payload
      api.dispatch(logged('error', `sync failed (${reason}) · ${error.code ?? error.name}: ${error.message.replace(/^rtk-realtime: /, '')}`, at))
    },
  })
  listener.startListening({
    actionCreator: actions.staleMarked,
    effect: (action, api) => {
      api.dispatch(logged('sync', `stale (${action.payload.reason}) · ${action.payload.collections.join(', ')}`, action.payload.at))
    },
  })

  // The persisted outbox.
  listener.startListening({
    predicate: is('outboxRehydrated'),
    effect: (action, api) => {
      const { ops, setAside, error, namespace, at } = (action as unknown as { payload: Payload<OutboxActions['outboxRehydrated']> }).payload
      // The first read-back of a namespace happens at start; a later one takes over a closed page's ops.
      const first = stateOf(api.getOriginalState()).outbox.status === 'rehydrating'
      const text = first
        ? `outbox “${namespace}” read back: ${plural(ops.length, 'op')}${setAside.length > 0 ? `, ${setAside.length} set aside` : ''}`
        : `outbox “${namespace}”: took over ${plural(ops.length, 'op')} of a page that closed`
      api.dispatch(logged(error ? 'error' : 'outbox', error ? `${text} · ${error.code}: ${error.message}` : text, at))
    },
  })
  listener.startListening({
    predicate: is('storageFailed'),
    effect: (action, api) => {
      const { error, at } = (action as unknown as { payload: Payload<OutboxActions['storageFailed']> }).payload
      api.dispatch(logged('error', `outbox storage failed · ${error.code}: ${error.message}`, at))
    },
  })
  listener.startListening({
    predicate: is('storageRecovered'),
    effect: (_action, api) => {
      api.dispatch(logged('outbox', 'outbox storage works again'))
    },
  })
  listener.startListening({
    matcher: isAnyOf(actions.pause, actions.resume),
    effect: (action, api) => {
      api.dispatch(logged('outbox', actions.pause.match(action) ? 'outbox paused: edits queue, nothing is sent' : 'outbox resumed'))
    },
  })

  // Any unrouted ANNOUNCEMENT the server broadcasts.
  listener.startListening({
    actionCreator: actions.messageReceived,
    effect: (action, api) => {
      if (action.payload.type === 'ANNOUNCEMENT') api.dispatch(logged('message', `announcement: ${JSON.stringify(action.payload.data)}`))
    },
  })
}
