import type { ValueCheck } from '../collections/defineCollections'
import type { OutboundOptions } from './createOutbound'
import type { DataState } from './dataTransaction'
import type { CompiledMutation } from './defineMutations'
import type { OptimisticActions } from './optimisticActions'

/** What the op sagas and the op answers' link need from the instance; fixed at creation. */
export interface OpsRuntime {
  actions: OptimisticActions
  /** Mutations by name. */
  mutations: ReadonlyMap<string, CompiledMutation>
  /** Mutations by action type. */
  mutationsByType: ReadonlyMap<string, CompiledMutation>
  /** By collection: the check an ACK's value passes before it is trusted. */
  valueChecks: ReadonlyMap<string, ValueCheck>
  selectData: (rootState: unknown) => DataState
  /** How ops leave the client (`createRealtime({ outbound })`). */
  outbound: OutboundOptions
  /**
   * Nothing is sent while the persisted outbox is read back (older ops go first); `releasedBy` is
   * the action type that ends the wait.
   */
  hold: { isHeld(rootState: unknown): boolean; releasedBy: string }
  /** The sync's `syncSucceeded` type: a sync result confirms ops as live updates do. */
  syncSucceeded?: string
}
