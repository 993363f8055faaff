import { formatValue } from '../../config/formatValue'
import type { RealtimeError } from '../../world/serializeError'

/**
 * Why an outbox storage call failed, as `RealtimeError.code`: the storage is full, cannot be
 * reached here at all (private mode, blocked site data, no such API, a closed database), or
 * anything else.
 */
export type StorageErrorCode = 'STORAGE_QUOTA' | 'STORAGE_UNAVAILABLE' | 'STORAGE_FAILED'

/** The storage call that failed, as messages say it: `getAll` reads, `set` writes. */
export type StorageOperation = 'read' | 'write' | 'delete' | 'clear'

// DOMException names meaning "not here, not now": a SecurityError for storage the page may not
// use, an InvalidStateError for a database connection that is closing or closed.
const UNAVAILABLE = new Set(['SecurityError', 'InvalidStateError', 'StorageUnavailableError'])

/**
 * Turns what an `OutboxStorage` call threw (or rejected with) into plain data for state:
 * `{ name, code, message }` with the original name, a {@link StorageErrorCode} and a message that
 * names the storage and the operation, e.g. `rtk-realtime: outbox storage "indexeddb" could not
 * write: <original message>`. Only strings are kept, never the thrown object.
 */
export function classifyStorageError(thrown: unknown, storageName: string, operation: StorageOperation): RealtimeError {
  const name = readString(thrown, 'name')
  const detail = (readString(thrown, 'message') || name || describe(thrown)).replace(/^rtk-realtime: /, '')
  return {
    name: name || 'OutboxStorageError',
    code: codeOf(name, readProperty(thrown, 'code')),
    message: `rtk-realtime: outbox storage "${storageName}" could not ${operation}: ${detail}`,
  }
}

function codeOf(name: string, code: unknown): StorageErrorCode {
  // QuotaExceededError everywhere but old Firefox (NS_ERROR_DOM_QUOTA_REACHED, code 1014); old
  // WebKit sometimes only sets the legacy DOMException code 22.
  if (/quota/i.test(name) || code === 22 || code === 1014) return 'STORAGE_QUOTA'
  return UNAVAILABLE.has(name) ? 'STORAGE_UNAVAILABLE' : 'STORAGE_FAILED'
}

/** A property of whatever was thrown; a getter that throws (a revoked proxy, say) reads as absent. */
function readProperty(thrown: unknown, property: string): unknown {
  if (thrown === null || (typeof thrown !== 'object' && typeof thrown !== 'function')) return undefined
  try {
    return (thrown as Record<string, unknown>)[property]
  } catch {
    return undefined
  }
}

function readString(thrown: unknown, property: string): string {
  const value = readProperty(thrown, property)
  return typeof value === 'string' ? value : ''
}

function describe(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown
  try {
    return formatValue(thrown)
  } catch {
    // formatValue still reads Symbol.toStringTag, which a hostile proxy can make throw.
    return 'an unreadable value'
  }
}
