/**
 * Hand-written socket sagas the package is compared with. Both have the signature
 * `saga(ws, control, dispatch, toAction)`, JSON.parse every frame, hand CONTROL replies to
 * `control.handleReply`, and turn every other frame into `toAction(message, receivedAt)`.
 */
import { buffers, eventChannel } from 'redux-saga'
import { call, put, take } from 'redux-saga/effects'

/** The bare loop a user might write: eventChannel (expanding buffer) -> take -> JSON.parse -> put, per frame. */
export function* naiveSocketSaga(ws, control, _dispatch, toAction) {
  const channel = eventChannel((emit) => {
    ws.onmessage = (event) => emit(event.data)
    return () => {
      ws.onmessage = null
    }
  }, buffers.expanding(1024))
  for (;;) {
    const text = yield take(channel)
    const message = JSON.parse(text)
    if (message.replyTo !== undefined && control.handleReply(message)) continue
    yield put(toAction(message, Date.now()))
  }
}

/**
 * Pays the saga's per-effect cost per socket read instead of per frame: the emitter gathers the
 * frames of one read (ws delivers them in one synchronous burst) and emits them as one batch
 * from a microtask; the saga takes the batch and dispatches its actions in one `call`. Every
 * action still reaches the reducers and the saga middleware's takers one by one, in order.
 */
export function* batchedSocketSaga(ws, control, dispatch, toAction) {
  const channel = eventChannel((emit) => {
    let batch = null
    ws.onmessage = (event) => {
      if (batch === null) {
        const current = (batch = [])
        queueMicrotask(() => {
          batch = null
          emit(current)
        })
      }
      batch.push(event.data)
    }
    return () => {
      ws.onmessage = null
    }
  }, buffers.expanding(64))
  const dispatchBatch = (texts) => {
    const receivedAt = Date.now()
    for (const text of texts) {
      const message = JSON.parse(text)
      if (message.replyTo !== undefined && control.handleReply(message)) continue
      dispatch(toAction(message, receivedAt))
    }
  }
  for (;;) yield call(dispatchBatch, yield take(channel))
}
