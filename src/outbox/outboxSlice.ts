import type { UnknownAction } from '@reduxjs/toolkit'
import type { RealtimeError } from '../world/serializeError'
import type { OutboxActions, SetAsideRecord } from './outboxActions'

/**
 * The persisted outbox's state (`state.realtime.outbox`). The ops themselves are the lanes of
 * `optimistic`: storage is a projection of them, so there is no second list here.
 */
export interface OutboxState {
  /**
   * `off`: no storage (ops live in memory only). `rehydrating`: the persisted ops are being read;
   * nothing is sent until they are back, so older ops go out first. `ready`: persisted ops are
   * back and every change is written through.
   */
  status: 'off' | 'rehydrating' | 'ready'
  /** The storage's name (`indexeddb`, `localstorage`, `memory`, or a custom adapter's). */
  storage: string | null
  /** The user or tenant whose ops are persisted (`outbox.namespace`, or `openOutbox(namespace)`). */
  namespace: string | null
  /** The last storage failure (`STORAGE_QUOTA`, `STORAGE_UNAVAILABLE`, `STORAGE_FAILED`), until a write succeeds again. */
  lastError: RealtimeError | null
  /** Records that could not be read (the last 50): set aside in storage, not deleted. */
  setAside: SetAsideRecord[]
  /** When the persisted ops were last read back. */
  rehydratedAt: number | null
}

const MAX_SET_ASIDE = 50

/** The outbox reducer; `storage` is the resolved storage's name, or null without one. */
export function createOutboxReducer(actions: OutboxActions, storage: string | null, namespace: string | null) {
  const initial: OutboxState = {
    status: storage ? 'rehydrating' : 'off',
    storage,
    namespace: storage ? namespace : null,
    lastError: null,
    setAside: [],
    rehydratedAt: null,
  }
  return function outboxReducer(state: OutboxState = initial, action: UnknownAction): OutboxState {
    if (!storage) return state
    if (actions.openOutbox.match(action)) {
      const { namespace: next } = action.payload
      if (next === state.namespace && state.status === 'rehydrating') return state
      return { ...state, namespace: next, status: 'rehydrating' }
    }
    if (actions.outboxRehydrated.match(action)) {
      const { namespace: read, setAside, error, at } = action.payload
      if (read !== state.namespace) return state
      return {
        ...state,
        status: 'ready',
        rehydratedAt: at,
        lastError: error ?? state.lastError,
        setAside: setAside.length === 0 ? state.setAside : [...state.setAside, ...setAside].slice(-MAX_SET_ASIDE),
      }
    }
    if (actions.storageFailed.match(action)) return { ...state, lastError: action.payload.error }
    if (actions.storageRecovered.match(action)) return state.lastError ? { ...state, lastError: null } : state
    if (actions.clearOutbox.match(action)) return state.lastError ? { ...state, lastError: null } : state
    return state
  }
}
