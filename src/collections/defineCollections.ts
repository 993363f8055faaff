import type { Envelope } from '../protocol/envelope'
import type { CollectionLoader } from '../sync/types'
import { isPlainObject } from '../util/isPlainObject'
import type { EntityTyped } from './entityTypes'
import type { EntityUpdate } from './types'

/** What a collection's `parse` returns for one inbound frame. */
export interface ParsedEntityUpdate {
  key: string
  version: number
  /** The whole entity; ignored when `deleted`. */
  value: unknown
  deleted?: boolean
  opId?: string
}

/**
 * One collection: which inbound messages carry its entity updates and how to read them. `T` is
 * the entity type the selectors and hooks give back (declare it with `collection<Widget>({ ... })`);
 * it is not checked at run time (`validate` does that). @default unknown
 */
export interface CollectionDefinition<T = unknown> extends EntityTyped<T> {
  /** Inbound message types whose frames update this collection, e.g. `['WIDGET_UPDATE']`. @default [] */
  updates?: readonly string[]
  /**
   * Reads an update from a frame's `data`. Return a reason string to reject the frame.
   * @default `data = { id, version, opId?, deleted?, ...entity }`: the key is `id`, the entity is
   * `data` without `version`, `opId` and `deleted`.
   */
  parse?: (data: unknown, message: Envelope) => ParsedEntityUpdate | string
  /**
   * Checks an entity value from the server before it is stored: the value of each update `parse`
   * returns, and the `value` of an op's ACK. Return `true` to accept, `false` or a reason string to
   * refuse the frame (`messageRejected`, nothing stored, the op not confirmed).
   * @default with the default `parse`: a plain object whose `id`, when it has one, is the entity's
   * key (updates already have that shape); with a custom `parse`, anything but `undefined`.
   */
  validate?: (value: unknown, key: string) => boolean | string
  /**
   * Loads the whole collection from elsewhere (an HTTP endpoint, say), instead of the socket's
   * SYNC: on the first load, after every reconnect, on the periodic sync and on `refresh()`. It
   * resolves with every entity, each in the shape of an update's `data` (`{ id, version, ...entity }`
   * with the default `parse`), read by `parse` and checked by `validate` like live updates; an
   * entity the client holds that the result leaves out was deleted. A rejection (or no answer
   * within `websocket.REQUEST_TIMEOUT`, when `signal` aborts) is a sync `error`, retried on the
   * next `backgroundSync.SYNC_INTERVAL`.
   * @default none: the collection is synced over the socket (`SYNC`)
   */
  load?: CollectionLoader
}

/** Collections by name. */
export type CollectionDefinitions = Record<string, CollectionDefinition>

/** Turns a frame into an update for a collection, or a rejection reason. */
export type UpdateParser = (message: Envelope) => EntityUpdate | string

/** Checks an entity value from the server (an ACK's value): true, or why it is refused. */
export type ValueCheck = (value: unknown, key: string) => true | string

/** The default reading of DESIGN.md section 4: `data = { id, value..., version, opId? }`. */
export function parseDefaultUpdate(data: unknown): ParsedEntityUpdate | string {
  const update = readDefaultUpdate(data, '')
  if (typeof update === 'string') return update
  const parsed: ParsedEntityUpdate = { key: update.key, version: update.version, value: update.value }
  if (update.deleted) parsed.deleted = true
  if (update.opId !== undefined) parsed.opId = update.opId
  return parsed
}

/**
 * {@link parseDefaultUpdate} for the inbound path: the finished update of `collection`, built as one
 * object literal. Labelling a parsed update afterwards added a property to every update (a new
 * hidden class and a property store), and reading it through `parseDefaultUpdate` made a second object.
 */
function readDefaultUpdate(data: unknown, collection: string): EntityUpdate | string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'data must be an object'
  const record = data as Record<string, unknown>
  const { id, version, opId, deleted } = record
  if (typeof id !== 'string' || id === '') return 'data.id must be a non-empty string'
  if (typeof version !== 'number' || !Number.isFinite(version)) return 'data.version must be a finite number'
  if (!(version > 0)) return `data.version must be above 0 (got ${version}): 0 is the version of an entity the client knows nothing of`
  if (opId !== undefined && typeof opId !== 'string') return 'data.opId must be a string when present'
  let value: Record<string, unknown> | null = null
  if (deleted !== true) {
    value = {}
    // for...in with an own-property check, not Object.keys: no array per update on the hot path.
    // The protocol fields are compared as literals: a Set lookup per field measured slower.
    for (const field in record) {
      if (field !== 'version' && field !== 'opId' && field !== 'deleted' && Object.hasOwn(record, field)) value[field] = record[field]
    }
  }
  const update: EntityUpdate = { collection, key: id, version, value }
  if (deleted === true) update.deleted = true
  if (typeof opId === 'string') update.opId = opId
  return update
}

/**
 * Validates `collections` and returns, per inbound message type, the parser that makes entity
 * updates of its frames. Throws at once, naming the collection, for anything malformed.
 */
export function compileCollections(collections: CollectionDefinitions | undefined): {
  names: string[]
  parsers: Map<string, UpdateParser>
  /** By collection: the check an ACK's value passes before it is trusted. */
  valueChecks: Map<string, ValueCheck>
  /** By collection: its parser (the one of its update types), for entities that come from a `load`. */
  entityParsers: Map<string, UpdateParser>
  /** By collection: its `load`, for those that have one. */
  loaders: Map<string, CollectionLoader>
} {
  const names: string[] = []
  const parsers = new Map<string, UpdateParser>()
  const valueChecks = new Map<string, ValueCheck>()
  const entityParsers = new Map<string, UpdateParser>()
  const loaders = new Map<string, CollectionLoader>()
  if (collections === undefined) return { names, parsers, valueChecks, entityParsers, loaders }
  if (collections === null || typeof collections !== 'object') {
    throw new TypeError('rtk-realtime: createRealtime({ collections }) must be an object of collection definitions by name')
  }
  for (const name of Object.keys(collections)) {
    const where = `rtk-realtime: createRealtime({ collections }): collections.${name}`
    if (!/^[A-Za-z_$][\w$-]*$/.test(name)) throw new TypeError(`${where}: a collection name must be an identifier (no '/')`)
    const def = collections[name] ?? {}
    if (typeof def !== 'object') throw new TypeError(`${where} must be an object`)
    const updates = def.updates ?? []
    if (!Array.isArray(updates) || updates.some((t) => typeof t !== 'string' || t === '')) {
      throw new TypeError(`${where}.updates must be an array of message types`)
    }
    if (def.parse !== undefined && typeof def.parse !== 'function') throw new TypeError(`${where}.parse must be a function`)
    if (def.validate !== undefined && typeof def.validate !== 'function') throw new TypeError(`${where}.validate must be a function (value, key) => boolean | string`)
    if (def.load !== undefined && typeof def.load !== 'function') throw new TypeError(`${where}.load must be a function ({ collection, reason, signal }) => Promise<entity[]>`)
    const parse = def.parse
    const check = valueCheck(name, def)
    valueChecks.set(name, check)
    const validated = def.validate ? check : undefined
    const parser: UpdateParser = parse === undefined ? defaultParser(name, validated) : (message) => {
      let parsed: ParsedEntityUpdate | string
      try {
        parsed = parse(message.data, message)
      } catch (thrown) {
        return `collections.${name}.parse threw ${thrown instanceof Error ? thrown.message : String(thrown)}`
      }
      if (typeof parsed === 'string') return parsed
      const refused = checkParsed(name, parsed, validated && !parsed.deleted ? validated : undefined)
      if (refused !== undefined) return refused
      // A custom parse's result may be the user's, so it is copied.
      const update: EntityUpdate = { collection: name, key: parsed.key, version: parsed.version, value: parsed.deleted ? null : parsed.value }
      if (parsed.deleted) update.deleted = true
      if (parsed.opId !== undefined) update.opId = parsed.opId
      return update
    }
    entityParsers.set(name, parser)
    if (def.load) loaders.set(name, def.load)
    for (const type of updates) {
      if (parsers.has(type)) throw new TypeError(`${where}.updates: "${type}" already updates another collection`)
      parsers.set(type, parser)
    }
    names.push(name)
  }
  return { names, parsers, valueChecks, entityParsers, loaders }
}

/** The parser of a collection without `parse`: the default reading, then `validate` if given. */
function defaultParser(name: string, validated: ValueCheck | undefined): UpdateParser {
  return (message) => {
    let update: EntityUpdate | string
    try {
      update = readDefaultUpdate(message.data, name)
    } catch (thrown) {
      // Only a custom codec's data can throw here (a getter, a Proxy): JSON data cannot.
      return `collections.${name}: reading the update threw ${thrown instanceof Error ? thrown.message : String(thrown)}`
    }
    if (validated === undefined || typeof update === 'string' || update.deleted) return update
    const verdict = validated(update.value, update.key)
    return verdict === true ? update : verdict
  }
}

// What a custom parse returns is checked like the default one's: a key and a usable version.
function checkParsed(name: string, parsed: ParsedEntityUpdate, check: ValueCheck | undefined): string | undefined {
  if (typeof parsed?.key !== 'string' || parsed.key === '') return `collections.${name}.parse must return a non-empty string key`
  const { version } = parsed
  if (typeof version !== 'number' || !(version > 0) || !Number.isFinite(version)) {
    return `collections.${name}.parse returned version ${String(version)}: a version must be a finite number above 0`
  }
  if (check) {
    const verdict = check(parsed.value, parsed.key)
    if (verdict !== true) return verdict
  }
  return undefined
}

function valueCheck(name: string, def: CollectionDefinition): ValueCheck {
  const where = `collections.${name}.validate`
  if (def.validate) {
    const validate = def.validate
    return (value, key) => {
      try {
        const verdict = validate(value, key)
        if (verdict === true) return true
        return `${where} refused it: ${typeof verdict === 'string' && verdict ? verdict : 'returned false'}`
      } catch (thrown) {
        return `${where} threw ${thrown instanceof Error ? thrown.message : String(thrown)}`
      }
    }
  }
  if (def.parse) return (value) => (value === undefined ? 'the value is undefined' : true)
  return (value, key) => {
    if (!isPlainObject(value)) return `an entity of "${name}" must be an object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})`
    const id = value.id
    return id === undefined || id === key ? true : `its id ${JSON.stringify(id)} is not the key "${key}"`
  }
}
