/**
 * Clients under test for blast rounds (see blastRound.mjs). Each connects to the reference
 * server and returns `{ request, sendBlast, whenCounted, count, close }`. The stores are built by
 * the caller, so scenarios choose reducers, subscribers and package options.
 *
 * Every client sends the blast as a CONTROL frame without an id (no reply, nothing pending while
 * it runs), and answers CONTROL requests (`stats`) by their `replyTo`.
 */
import { openSocket, closeSocket, createControl } from './wsClient.mjs'
import { controlText } from './protocol.mjs'
import { waitForCount, whenPackageOpen } from './store.mjs'


/** A one-shot promise resolved with performance.now() when the count reaches its target. */
function counter() {
  let value = 0
  let target = Infinity
  let resolve = () => {}
  return {
    get value() {
      return value
    },
    add() {
      if (++value === target) resolve(performance.now())
    },
    when(n) {
      target = n
      return new Promise((r) => (resolve = r))
    },
  }
}

/** A `ws` socket whose frames are JSON.parsed; CONTROL replies are taken out, the rest go to `handle`. */
async function rawClient(url, handle) {
  const ws = await openSocket(url)
  const control = createControl((text) => ws.send(text))
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data)
    if (message.replyTo !== undefined && control.handleReply(message)) return
    handle(message)
  }
  return { ws, control }
}

/** `ws` + JSON.parse + a counter of `messageType` frames, no store: the network ceiling. */
export async function connectNetworkOnly(url, { messageType }) {
  const count = counter()
  const { ws, control } = await rawClient(url, (message) => {
    if (message.type === messageType) count.add()
  })
  return {
    request: control.request,
    sendBlast: (data) => ws.send(controlText(data)),
    whenCounted: (n) => count.when(n),
    count: () => count.value,
    close: () => closeSocket(ws),
  }
}

/** `ws` + JSON.parse + one `store.dispatch(toAction(message, Date.now()))` per frame. */
export async function connectPlainDispatch(url, { store, toAction, selectCount }) {
  const { ws, control } = await rawClient(url, (message) => {
    store.dispatch(toAction(message, Date.now()))
  })
  return {
    request: control.request,
    sendBlast: (data) => ws.send(controlText(data)),
    whenCounted: (n) => waitForCount(store, selectCount, n),
    count: () => selectCount(store.getState()),
    close: () => closeSocket(ws),
  }
}

/**
 * A hand-written socket saga (see baselineSagas.mjs): `saga(ws, control, dispatch, toAction)` runs
 * on `sagaMiddleware`, which the caller put into `store`.
 */
export async function connectSaga(url, { store, sagaMiddleware, saga, toAction, selectCount }) {
  const ws = await openSocket(url)
  const control = createControl((text) => ws.send(text))
  const task = sagaMiddleware.run(saga, ws, control, store.dispatch, toAction)
  return {
    request: control.request,
    sendBlast: (data) => ws.send(controlText(data)),
    whenCounted: (n) => waitForCount(store, selectCount, n),
    count: () => selectCount(store.getState()),
    close: async () => {
      task.cancel()
      await closeSocket(ws)
    },
  }
}

/** The package: `store` has `realtime.reducer` and `realtime.middleware`; waits until the socket is open. */
export async function connectPackage({ realtime, store, selectCount }) {
  await whenPackageOpen(realtime, store)
  return {
    request: (data) => store.dispatch(realtime.request('CONTROL', data, { timeout: 120_000 })).then((reply) => reply.data),
    sendBlast: (data) => store.dispatch(realtime.actions.send('CONTROL', data)),
    whenCounted: (n) => waitForCount(store, selectCount, n),
    count: () => selectCount(store.getState()),
    close: async () => {
      store.dispatch(realtime.actions.disconnect())
    },
  }
}
