import type { UpdateParser } from '../collections/defineCollections'
import type { EntityUpdate } from '../collections/types'
import { stripForbiddenKeys } from '../protocol/sanitize'
import type { RealtimeError } from '../world/serializeError'
import type { SyncRejection } from './parseSyncReply'

/** What a `load` resolved with, read: the entities as updates, and those refused. */
export interface ParsedLoadResult {
  updates: EntityUpdate[]
  rejected: SyncRejection[]
  /** Paths of `__proto__`/`constructor`/`prototype` keys removed from the result. */
  stripped: string[]
}

/**
 * Reads what `collections.<name>.load` resolved with: an array of entities in the shape of an
 * update's `data`. It did not come through the codec, so it is cleaned the way frames are
 * (prototype keys removed, nesting bounded) before the collection's parser reads each entity with
 * the checks live updates get; an entity that fails them is refused on its own.
 */
export function parseLoadResult(result: unknown, collection: string, parse: UpdateParser): ParsedLoadResult | { error: RealtimeError } {
  const where = `rtk-realtime: collections.${collection}.load`
  if (!Array.isArray(result)) {
    return { error: { name: 'LoadError', code: 'INVALID_LOAD_RESULT', message: `${where} must resolve with an array of entities, got ${result === null ? 'null' : typeof result}` } }
  }
  const cleaned = stripForbiddenKeys(result, 'load')
  if (cleaned.tooDeep) return { error: { name: 'LoadError', code: 'INVALID_LOAD_RESULT', message: `${where} resolved with data nested too deeply` } }
  const updates: EntityUpdate[] = []
  const rejected: SyncRejection[] = []
  ;(cleaned.value as unknown[]).forEach((data, i) => {
    const update = parse({ type: `${collection}.load`, data })
    if (typeof update === 'string') rejected.push({ reason: `${where}: entity [${i}] rejected: ${update}` })
    else updates.push(update)
  })
  return { updates, rejected, stripped: cleaned.stripped }
}
