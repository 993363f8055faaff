/**
 * The authoritative state of a reference server, as one opaque handle, so a server can be killed
 * and another started on the same state, as a real server backed by a database would restart:
 * the widgets with their versions and tombstones, the answered op ids (a replay after the restart
 * still gets its stored ACK), the broadcast `seq` and the SYNC log (a client's `SYNC { since }`
 * is answered across the restart), the applied-op accounting, and the last op time per widget.
 *
 * What is not in it is what a process loses when it dies: sockets, delayed replies, the fault
 * knobs, the `received` record and registered handlers.
 */
import { AnsweredIds } from './answeredIds'
import { AppliedOps } from './appliedOps'
import { BroadcastLog } from './broadcastLog'
import type { WidgetSeed } from './types'
import { WidgetStore } from './widgets'

declare const serverStateBrand: unique symbol

/**
 * A server's authoritative state (`server.state`): pass it to `startServer({ state })` to continue
 * from it. Opaque: read the state through the server's methods.
 */
export interface ServerState {
  readonly [serverStateBrand]: 'ServerState'
}

/** What a {@link ServerState} holds; the server's own view of it. */
export interface ServerStateData {
  readonly store: WidgetStore
  readonly answered: AnsweredIds
  readonly broadcasts: BroadcastLog
  readonly applied: AppliedOps
  /** When a client op for each widget id last arrived (on the server's clock). */
  readonly lastOpAt: Map<string, number>
  /** The last broadcast sequence number. */
  seq: number
  /** A running server uses this state: a second one would fork it (see `startServer`). */
  inUse: boolean
}

/** How a fresh state is sized and seeded. */
export interface ServerStateOptions {
  widgets?: Iterable<WidgetSeed>
  answeredIdsCapacity: number
  broadcastLogCapacity: number
  maxAppliedOps?: number
}

const handles = new WeakMap<ServerState, ServerStateData>()

/** A fresh state, seeded with `widgets` (each at version 1). */
export function createServerState(options: ServerStateOptions): ServerState {
  const data: ServerStateData = {
    store: new WidgetStore(options.widgets ? structuredClone([...options.widgets]) : []),
    answered: new AnsweredIds(options.answeredIdsCapacity),
    broadcasts: new BroadcastLog(options.broadcastLogCapacity),
    applied: new AppliedOps(options.maxAppliedOps),
    lastOpAt: new Map(),
    seq: 0,
    inUse: false,
  }
  const handle = Object.freeze({}) as ServerState
  handles.set(handle, data)
  return handle
}

/** The data behind `state`; throws a TypeError for anything that is not a server's `state`. */
export function stateData(state: ServerState): ServerStateData {
  const data = handles.get(state)
  if (!data) throw new TypeError('startServer({ state }): state must be the `state` of a reference server')
  return data
}
