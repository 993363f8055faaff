/**
 * The clients of the peer comparison (scenarios/peers.mjs), each a fresh store per round with the
 * same 1,000 widgets already in, the same 100 store subscribers (addSubscribers) and a progress
 * listener (latency.mjs `watchStore`). Shape, beside blastRound.mjs's:
 *
 *   { request(data), sendBlast(data), progress, notifications(), flushes?(), close() }
 *
 *   connectNetworkProgress  ws + JSON.parse, no store; progress counted in the message handler
 *   connectUpsertOne        ws + JSON.parse + one createEntityAdapter().upsertOne dispatch per update,
 *                           with or without RTK's autoBatchEnhancer (actions from prepareAutoBatched)
 *   connectRtkQueryStream   RTK Query's streaming recipe: onCacheEntryAdded opens the socket and
 *                           applies each update with updateCachedData
 */
import { configureStore, createEntityAdapter, createSlice, prepareAutoBatched } from '@reduxjs/toolkit'
import { createApi, fakeBaseQuery } from '@reduxjs/toolkit/query'
import { WebSocket } from 'ws'
import { addSubscribers, widgetKey } from './entityClients.mjs'
import { BLAST_TYPE, controlText } from './protocol.mjs'
import { watchStore } from './latency.mjs'
import { closeSocket, createControl, openSocket } from './wsClient.mjs'

export const SUBSCRIBERS = 100
const seedWidgets = (keys) => Array.from({ length: keys }, (_, k) => ({ id: widgetKey(k), value: -1, version: 0 }))

/**
 * Calls `onUpdate(frame)` for every WIDGET_UPDATE frame, standalone or inside a BATCH frame, and
 * hands CONTROL replies to `control`. This is the dispatch by type any app's socket handler has.
 */
function routeFrames(control, onUpdate) {
  return (event) => {
    const message = JSON.parse(event.data)
    if (message.type === BLAST_TYPE) return onUpdate(message)
    if (message.type === 'BATCH') {
      for (const element of message.data) if (element.type === BLAST_TYPE) onUpdate(element)
      return
    }
    if (message.replyTo !== undefined) control.handleReply(message)
  }
}

/** The parts every raw-socket client shares. */
function rawClient(ws, control, progress, listeners) {
  return {
    request: control.request,
    sendBlast: (data) => {
      ws.send(controlText(data))
      listeners?.reset()
    },
    progress,
    notifications: () => listeners?.notifications() ?? 0,
    close: () => closeSocket(ws),
  }
}

/** ws + JSON.parse, no store: update i is "in" once its frame is parsed. */
export async function connectNetworkProgress(url, { progress }) {
  const ws = await openSocket(url)
  const control = createControl((text) => ws.send(text))
  ws.onmessage = routeFrames(control, (message) => progress.advance(message.data.value + 1))
  return rawClient(ws, control, progress, null)
}

/**
 * One `upsertOne` dispatch per update into an entity-adapter slice. `autoBatch`: RTK's
 * autoBatchEnhancer (configureStore's default) with the action prepared by `prepareAutoBatched`,
 * so it notifies subscribers once per batch (a 10 ms timer under Node, one frame in a browser);
 * without it, configureStore gets `autoBatch: false` and every dispatch notifies.
 */
export async function connectUpsertOne(url, { progress, keys, count, autoBatch }) {
  const adapter = createEntityAdapter()
  const slice = createSlice({
    name: 'widgets',
    initialState: adapter.setAll(adapter.getInitialState(), seedWidgets(keys)),
    reducers: {
      upsert: autoBatch ? { reducer: adapter.upsertOne, prepare: prepareAutoBatched() } : adapter.upsertOne,
    },
  })
  const store = configureStore({
    reducer: { widgets: slice.reducer },
    enhancers: (getDefault) => getDefault({ autoBatch }),
  })
  const read = (state, key) => state.widgets.entities[key]
  const listeners = addSubscribers(store, { n: SUBSCRIBERS, keys, read })
  watchStore(store, progress, { keys, count, readValue: (state, key) => read(state, key)?.value })
  const ws = await openSocket(url)
  const control = createControl((text) => ws.send(text))
  const { upsert } = slice.actions
  ws.onmessage = routeFrames(control, (message) => store.dispatch(upsert(message.data)))
  return rawClient(ws, control, progress, listeners)
}

/**
 * RTK Query's "Streaming Updates" recipe: a query endpoint whose cache entry opens the socket in
 * `onCacheEntryAdded`, waits for `cacheDataLoaded`, then applies each message with
 * `updateCachedData` (here an entity-adapter `upsertOne` on the draft); the socket closes when the
 * entry is removed. The initial data (the 1,000 widgets) comes from `queryFn`. configureStore's
 * defaults (RTK Query's patch actions are auto-batched).
 */
export async function connectRtkQueryStream(url, { progress, keys, count }) {
  const adapter = createEntityAdapter()
  let socket = null
  const control = createControl((text) => socket.send(text))
  let ready = null
  const socketReady = new Promise((resolve, reject) => (ready = { resolve, reject }))
  const api = createApi({
    baseQuery: fakeBaseQuery(),
    keepUnusedDataFor: 0,
    endpoints: (build) => ({
      widgets: build.query({
        queryFn: () => ({ data: adapter.setAll(adapter.getInitialState(), seedWidgets(keys)) }),
        async onCacheEntryAdded(_arg, { updateCachedData, cacheDataLoaded, cacheEntryRemoved }) {
          const ws = new WebSocket(url, { perMessageDeflate: false })
          try {
            await cacheDataLoaded
            ws.addEventListener('message', routeFrames(control, (message) => {
              updateCachedData((draft) => {
                adapter.upsertOne(draft, message.data)
              })
            }))
            if (ws.readyState !== WebSocket.OPEN) await new Promise((resolve) => ws.once('open', resolve))
            socket = ws
            ready.resolve(ws)
          } catch (error) {
            ready.reject(error)
          }
          await cacheEntryRemoved
          ws.close()
        },
      }),
    }),
  })
  const store = configureStore({
    reducer: { [api.reducerPath]: api.reducer },
    middleware: (getDefault) => getDefault().concat(api.middleware),
  })
  const selectWidgets = api.endpoints.widgets.select()
  const read = (state, key) => selectWidgets(state).data?.entities[key]
  const listeners = addSubscribers(store, { n: SUBSCRIBERS, keys, read })
  watchStore(store, progress, { keys, count, readValue: (state, key) => read(state, key)?.value })
  const subscription = store.dispatch(api.endpoints.widgets.initiate())
  const ws = await socketReady
  const client = rawClient(ws, control, progress, listeners)
  return {
    ...client,
    close: async () => {
      subscription.unsubscribe()
      await client.close()
    },
  }
}
