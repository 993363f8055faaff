/**
 * A small authoritative server, as the README asks a server to behave ("What a server must do"):
 * versions bumped by one on every change, ops applied at most once per opId.
 */
import { applyMutation, type Args, type MutationName, type Widget } from './model'

export interface ServerAck {
  key: string
  version: number
  value: Widget | null
}

/**
 * Per key a version and a value. Applying an op or a remote (other user's) change bumps the
 * version by one. Ops are applied at most once per opId: a replay gets the first ACK again.
 */
export class FakeServer {
  entities: Record<string, { version: number; value: Widget | null }> = {}
  readonly applied = new Map<string, ServerAck>()
  /** How many times each opId changed the server's state (must stay at most 1). */
  readonly applyCount = new Map<string, number>()

  seed(key: string, version: number, value: Widget): void {
    this.entities[key] = { version, value }
  }

  /** Receives one delivery of an op; returns its ACK (applying it only the first time). */
  receive(op: { opId: string; mutation: string; key: string; args: unknown }): { ack: ServerAck; fresh: boolean } {
    const known = this.applied.get(op.opId)
    if (known) return { ack: known, fresh: false }
    const entity = (this.entities[op.key] ??= { version: 0, value: null })
    entity.value = applyMutation(entity.value, op.mutation as MutationName, op.args as Args)
    entity.version += 1
    const ack = { key: op.key, version: entity.version, value: entity.value }
    this.applied.set(op.opId, ack)
    this.applyCount.set(op.opId, (this.applyCount.get(op.opId) ?? 0) + 1)
    return { ack, fresh: true }
  }

  /** Another user's change. */
  remote(key: string, patch: Partial<Widget>): ServerAck {
    const entity = (this.entities[key] ??= { version: 0, value: null })
    entity.value = { ...(entity.value ?? { id: key, value: 0 }), ...patch }
    entity.version += 1
    return { key, version: entity.version, value: entity.value }
  }
}
