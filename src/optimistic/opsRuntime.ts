import type { UpdateParser } from '../collections/defineCollections'
import type { DataState } from './dataTransaction'
import type { CompiledMutation } from './defineMutations'
import type { OpRef, OptimisticActions } from './optimisticActions'

/** What the op and entity sagas need from the instance; fixed at creation. */
export interface OpsRuntime {
  actions: OptimisticActions
  mutations: ReadonlyMap<string, CompiledMutation>
  mutationsByType: ReadonlyMap<string, CompiledMutation>
  /** Entity-update parsers by inbound message type. */
  parsers: ReadonlyMap<string, UpdateParser>
  selectData: (rootState: unknown) => DataState
  /** How ops leave the client (`createRealtime({ outbound })`). */
  outbound: import('./createOutbound').OutboundOptions
}

/** What one store's saga run remembers between sessions; never in state, never in actions. */
export interface RunState {
  /** Where each op we sent lives, so an ACK or NACK (which only names the opId) finds it. */
  opIndex: Map<string, OpRef>
  /** Hands an inbound entity update to the batcher. */
  addUpdate: (update: import('../collections/types').EntityUpdate) => void
  /** Flushes what the batcher holds (the session is ending). */
  flushUpdates: () => void
  /** The store, when the package's middleware runs the saga (absent when forked by the user). */
  store?: import('../connection/handleFrame').StoreAccess
  /** The earliest time a debounced op becomes ready, while one waits. */
  wakeAt?: number
}
