import type { SyncInvalidateOptions, SyncOptions } from './types'

/** `createRealtime({ sync })`, checked: the SYNC request type (undefined: off) and the RTK Query bridge. */
export interface CompiledSyncOptions {
  requestType: string | undefined
  invalidate: SyncInvalidateOptions | undefined
}

const where = 'rtk-realtime: createRealtime({ sync })'
const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function'

/**
 * Checks the `sync` option and fills its defaults. `false` turns every SYNC request off (for
 * servers without SYNC; `load` collections still load).
 * @throws {TypeError} naming the option, for anything malformed.
 */
export function compileSyncOptions(sync: SyncOptions | false | undefined): CompiledSyncOptions {
  if (sync === undefined) return { requestType: 'SYNC', invalidate: undefined }
  if (sync === false) return { requestType: undefined, invalidate: undefined }
  if (sync === null || typeof sync !== 'object' || Array.isArray(sync)) {
    throw new TypeError(`${where} must be false or an object { type?, invalidate? }, got ${sync === null ? 'null' : Array.isArray(sync) ? 'an array' : typeof sync}`)
  }
  for (const key of Object.keys(sync)) {
    if (key !== 'type' && key !== 'invalidate') throw new TypeError(`${where}: unknown option sync.${key}. Known options: type, invalidate`)
  }
  const { type, invalidate } = sync
  if (type !== undefined && (typeof type !== 'string' || type === '')) {
    throw new TypeError(`${where}: sync.type must be a non-empty message type, got ${JSON.stringify(type) ?? String(type)}`)
  }
  if (invalidate !== undefined) {
    const api = (invalidate as { api?: { util?: { invalidateTags?: unknown } } } | null)?.api
    if (invalidate === null || typeof invalidate !== 'object' || !isFunction(api?.util?.invalidateTags)) {
      throw new TypeError(`${where}: sync.invalidate.api must be an RTK Query api (createApi(...)) with util.invalidateTags`)
    }
    if (!isFunction(invalidate.tags)) {
      throw new TypeError(`${where}: sync.invalidate.tags must be a function ({ collection, keys }) => tags`)
    }
  }
  return { requestType: type ?? 'SYNC', invalidate }
}
