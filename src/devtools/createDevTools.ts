import type { Action, DevToolsEnhancerOptions } from '@reduxjs/toolkit'
import type { RealtimeState } from '../createRealtimeReducer'
import { isPlainObject } from '../util/isPlainObject'
import { flattenRealtimeState } from './flattenState'

/** How many entity updates of one batch DevTools shows; the rest are counted. */
export const DEVTOOLS_MAX_UPDATES = 10

/** The Redux DevTools options of one realtime instance: pass them as `configureStore({ devTools })`. */
export interface RealtimeDevTools {
  /** Shows the realtime slice without hash buckets; the rest of the state as it is. */
  readonly stateSanitizer: NonNullable<DevToolsEnhancerOptions['stateSanitizer']>
  /** Shortens batches of entity updates (`entitiesUpdated`, `syncSucceeded`) to their first updates and a count. */
  readonly actionSanitizer: NonNullable<DevToolsEnhancerOptions['actionSanitizer']>
  /** The heartbeat's `pongReceived`, hidden from the action list. */
  readonly actionsDenylist: string[]
}

interface DevToolsOptions {
  reducerPath: string
  /** Action types whose `payload.updates` may be long. */
  batchTypes: readonly string[]
  /** Action types of heartbeat noise. */
  denied: readonly string[]
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Builds `realtime.devTools`: state and action sanitizers and a denylist, plain functions and data
 * that never write what they are given. DevTools runs the sanitizers on every action, so the state
 * one is memoized (see `flattenRealtimeState`) and the action one returns other actions as they are.
 */
export function createDevTools({ reducerPath, batchTypes, denied }: DevToolsOptions): RealtimeDevTools {
  const batches = new Set(batchTypes)
  return {
    stateSanitizer<S>(state: S): S {
      if (!isPlainObject(state)) return state
      const slice = (state as Record<string, unknown>)[reducerPath] as RealtimeState | undefined
      if (!isPlainObject(slice) || !isPlainObject(slice.collections) || !isPlainObject(slice.optimistic)) return state
      return { ...state, [reducerPath]: flattenRealtimeState(slice) } as S
    },
    actionSanitizer<A extends Action>(action: A): A {
      if (!batches.has(action.type)) return action
      const payload = (action as { payload?: { updates?: unknown } }).payload
      const updates = payload?.updates
      if (!Array.isArray(updates) || updates.length <= DEVTOOLS_MAX_UPDATES) return action
      return {
        ...action,
        payload: { ...payload, updates: updates.slice(0, DEVTOOLS_MAX_UPDATES), updatesOmitted: updates.length - DEVTOOLS_MAX_UPDATES },
      }
    },
    // DevTools reads these as regular expressions: the type exactly, whatever the reducerPath holds.
    actionsDenylist: denied.map((type) => `^${escapeRegExp(type)}$`),
  }
}
