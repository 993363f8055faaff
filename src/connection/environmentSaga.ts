import { buffers, eventChannel, type SagaIterator } from 'redux-saga'
import { flush, put, take } from 'redux-saga/effects'
import type { UnknownAction } from '@reduxjs/toolkit'
import type { ConnectionRuntime } from './runtime'

/** Installs the environment listeners and turns what they report into plain actions. */
export function* environmentSaga(rt: ConnectionRuntime): SagaIterator<ReturnType<typeof eventChannel<UnknownAction>> | undefined> {
  const install = rt.environmentListeners
  if (!install) return undefined
  const { actions } = rt
  const channel = eventChannel<UnknownAction>(
    (emit) =>
      install({
        online: () => emit(actions.online()),
        offline: () => emit(actions.offline()),
        visibilityChanged: (visible) => emit(actions.visibilityChanged({ visible: visible !== false })),
      }),
    buffers.expanding<UnknownAction>(8),
  )
  // What the installer reported at once (offline at start, hidden) is in state before anything
  // else runs: the root saga calls this part, so the first connection attempt already knows.
  const initial: UnknownAction[] = yield flush(channel)
  for (const action of initial) yield put(action)
  return channel
}

/** Turns what the environment reports later into plain actions, until the saga ends. */
export function* environmentLoop(channel: ReturnType<typeof eventChannel<UnknownAction>> | undefined): SagaIterator<void> {
  if (!channel) return
  try {
    for (;;) yield put(yield take(channel))
  } finally {
    channel.close()
  }
}
