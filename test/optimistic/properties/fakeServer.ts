/**
 * A small authoritative server, as the README asks a server to behave ("What a server must do"):
 * versions bumped by one on every change, ops applied at most once per opId, a replay of an
 * applied op answered with the same ACK, a definite rejection definite.
 */
import type { Widget } from './model'

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
  /** Ops the server refused for good (a non-retryable NACK): every later delivery is refused too. */
  readonly rejected = new Set<string>()
  /** How many times each opId changed the server's state (must stay at most 1). */
  readonly applyCount = new Map<string, number>()

  seed(key: string, version: number, value: Widget): void {
    this.entities[key] = { version, value }
  }

  /**
   * Receives one delivery of an op: `data` is the frame's data without `baseVersion`, read as a
   * patch of entity fields (a MERGE leaves the protected fields out). Returns its ACK, applying
   * it only the first time. The server does not refuse stale bases (the README does not ask it to).
   */
  receive(op: { opId: string; key: string; data: Record<string, unknown> }): { ack: ServerAck; fresh: boolean } {
    const known = this.applied.get(op.opId)
    if (known) return { ack: known, fresh: false }
    const entity = (this.entities[op.key] ??= { version: 0, value: null })
    // The widgets' `apply` leaves a missing entity missing.
    if (entity.value !== null) entity.value = { ...entity.value, ...op.data, id: op.key }
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
