import { buffers, eventChannel, type SagaIterator } from 'redux-saga'
import { put, take } from 'redux-saga/effects'
import type { UnknownAction } from '@reduxjs/toolkit'
import type { ConnectionRuntime } from './runtime'

/** Installs the environment listeners and turns what they report into plain actions. */
export function* environmentSaga(rt: ConnectionRuntime): SagaIterator<void> {
  const install = rt.environmentListeners
  if (!install) return
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
  try {
    for (;;) yield put(yield take(channel))
  } finally {
    channel.close()
  }
}
