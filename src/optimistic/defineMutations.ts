import { CONFLICT_RESOLUTIONS } from '../config/optionRules'
import { isPlainObject } from '../util/isPlainObject'
import type { EntityOf } from '../collections/entityTypes'
import type { MutationArgs } from './createMutationActions'
import type { ConflictStrategy } from './types'

/** What a conflict resolver is told: everything is plain data. */
export interface ConflictContext {
  collection: string
  key: string
  /** The confirmed value the pending ops were made on. */
  base: unknown
  /** What the user saw: `base` with the pending ops applied. */
  local: unknown
  /** The server's new value. */
  remote: unknown
  remoteVersion: number
  /** The names of the mutations of the pending ops, oldest first. */
  mutations: string[]
}

/** A function that picks the strategy for one conflict. Throwing falls back to `REMOTE_WINS`. */
export type ConflictResolver = (context: ConflictContext) => ConflictStrategy

/**
 * One mutation: how it changes an entity locally, and how it travels.
 * `apply` is an Immer recipe: mutate the draft, or return the new entity (`null` deletes it).
 * It receives `null` when the entity does not exist yet (a create).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the defaults let a definition of any entity and args type fit `MutationDefinitions`
export interface MutationDefinition<Entity = any, Args = any> {
  /** The collection it changes. */
  collection: string
  /** The wire message type of its frames, e.g. `WIDGET_UPDATE`. */
  message: string
  apply: (draft: Entity, args: Args) => Entity | null | void
  /** The key of the entity it changes. @default (args) => args.id */
  key?: (args: Args) => string
  /** How a conflict on an entity whose head op is of this mutation is resolved. @default config.optimistic.CONFLICT_RESOLUTION */
  conflict?: ConflictStrategy | ConflictResolver
  /**
   * `socket`: the package sends the op and settles it from ACK/NACK. `manual`: nothing is sent; you
   * deliver it over your own transport and dispatch `confirm(opId)` or `rollback(opId)`.
   * @default 'socket'
   */
  transport?: 'socket' | 'manual'
  /**
   * Outbound debounce, for "set" mutations such as a slider: the view follows every call, but a
   * call made while an earlier op of this mutation on the same entity still waits (up to this many
   * ms after that op was created) is folded into it (its args replace the waiting op's args), so
   * one op per window goes out. `true` uses `config.updates.DEBOUNCE_DELAY`. Do not use it for
   * mutations whose calls accumulate (increments): a folded call's args are gone.
   * @default 0 (every call is its own op)
   */
  debounce?: number | boolean
  /**
   * Outbox compaction: a call made while the last op of this mutation on the same entity is still
   * queued and was never sent is folded into that op, so a long offline session replays one op per
   * entity instead of every edit. `true` merges object args shallowly (`{ ...earlier, ...later }`,
   * right for patches); a function returns the merged args. Declare it only when that is safe:
   * the server then sees one op where the user made several.
   * @default false
   */
  compact?: boolean | ((earlier: Args, later: Args) => Args)
}

/** Mutations by name. */
export type MutationDefinitions = Record<string, MutationDefinition>

/** A mutation after validation, with its defaults filled in. */
export interface CompiledMutation {
  name: string
  actionType: string
  collection: string
  message: string
  apply: MutationDefinition['apply']
  key: (args: unknown) => string
  conflict?: ConflictStrategy | ConflictResolver
  transport: 'socket' | 'manual'
  /** Outbound debounce window in ms; 0 for none. */
  debounceMs: number
  /** How two queued calls fold into one op, when the mutation allows it. */
  compact?: (earlier: unknown, later: unknown) => unknown
}

// Later fields win; anything but two plain objects keeps the later args whole.
const mergeArgs = (earlier: unknown, later: unknown): unknown =>
  isPlainObject(earlier) && isPlainObject(later) ? { ...earlier, ...later } : later

const defaultKey = (args: unknown) => (args as { id?: unknown } | null | undefined)?.id as string

/** Names the package uses for its own optimistic actions; a mutation may not take one. */
const RESERVED_MUTATION_NAMES: readonly string[] = [
  'opsSent', 'opAcked', 'opNacked', 'opTimedOut', 'deliveriesLost', 'confirm', 'rollback', 'entitiesUpdated',
  'mutationRefused', 'conflictsCleared', 'rollbacksCleared', 'discard', 'retryNow', 'pause', 'resume',
  'clearOutbox', 'outboxRehydrated', 'openOutbox',
]

/**
 * Validates the `mutations` option against the declared collections. Throws at once, naming the
 * mutation and the field, for anything malformed.
 */
export function compileMutations(
  reducerPath: string,
  mutations: MutationDefinitions | undefined,
  collections: readonly string[],
  defaultDebounce = 100,
): Map<string, CompiledMutation> {
  const compiled = new Map<string, CompiledMutation>()
  if (mutations === undefined) return compiled
  if (mutations === null || typeof mutations !== 'object') {
    throw new TypeError('rtk-realtime: createRealtime({ mutations }) must be an object of mutation definitions by name')
  }
  for (const name of Object.keys(mutations)) {
    const where = `rtk-realtime: createRealtime({ mutations }): mutations.${name}`
    const def = mutations[name] as MutationDefinition | undefined
    if (!/^[A-Za-z_$][\w$]*$/.test(name) || RESERVED_MUTATION_NAMES.includes(name)) {
      throw new TypeError(`${where}: the name is reserved or not an identifier`)
    }
    if (!def || typeof def !== 'object') throw new TypeError(`${where} must be an object`)
    if (!collections.includes(def.collection)) {
      throw new TypeError(
        `${where}.collection: "${String(def.collection)}" is not a declared collection (declared: ${collections.join(', ') || 'none'})`,
      )
    }
    if (typeof def.message !== 'string' || def.message === '') throw new TypeError(`${where}.message must be a non-empty message type`)
    if (typeof def.apply !== 'function') throw new TypeError(`${where}.apply must be a function (draft, args) => void | entity`)
    if (def.key !== undefined && typeof def.key !== 'function') throw new TypeError(`${where}.key must be a function (args) => string`)
    if (def.conflict !== undefined && typeof def.conflict !== 'function' && !(CONFLICT_RESOLUTIONS as readonly string[]).includes(def.conflict)) {
      throw new TypeError(`${where}.conflict must be one of ${CONFLICT_RESOLUTIONS.join(', ')} or a function, got ${JSON.stringify(def.conflict)}`)
    }
    if (def.transport !== undefined && def.transport !== 'socket' && def.transport !== 'manual') {
      throw new TypeError(`${where}.transport must be 'socket' or 'manual'`)
    }
    const debounce = def.debounce ?? 0
    if (typeof debounce !== 'boolean' && (typeof debounce !== 'number' || !(debounce >= 0) || !Number.isFinite(debounce))) {
      throw new TypeError(`${where}.debounce must be a non-negative number of ms or a boolean, got ${JSON.stringify(debounce)}`)
    }
    if (def.compact !== undefined && typeof def.compact !== 'boolean' && typeof def.compact !== 'function') {
      throw new TypeError(`${where}.compact must be a boolean or a function (earlier, later) => args, got ${JSON.stringify(def.compact)}`)
    }
    compiled.set(name, {
      name,
      actionType: `${reducerPath}/optimistic/${name}`,
      collection: def.collection,
      message: def.message,
      apply: def.apply,
      key: def.key ?? defaultKey,
      conflict: def.conflict,
      transport: def.transport ?? 'socket',
      debounceMs: debounce === true ? defaultDebounce : debounce === false ? 0 : debounce,
      ...(def.compact === true ? { compact: mergeArgs } : typeof def.compact === 'function' ? { compact: def.compact as (a: unknown, b: unknown) => unknown } : {}),
    })
  }
  return compiled
}

/**
 * What `createRealtime({ collections, mutations })` checks of each mutation at compile time: a
 * `collection` written as a literal is a declared one, and on a typed collection (`collection<T>()`)
 * `apply` takes and returns that entity type (or null). A `collection` typed `string` (a variable)
 * and untyped collections (`unknown` entities) are left as declared: the run-time check remains.
 * Wrapped so that TypeScript infers the mutations from the option itself, never from this check.
 */
export type CheckedMutations<Mutations, Collections> = [MutationChecks<Mutations, Collections>][Mutations extends unknown ? 0 : never]

type MutationChecks<Mutations, Collections> = {
  [N in keyof Mutations]: Mutations[N] extends { collection: infer Of }
    ? string extends Of
      ? unknown
      : Of extends keyof Collections
        ? CheckedApply<EntityOf<Collections[Of]>, MutationArgs<Mutations[N]>>
        : { collection: UndeclaredCollection<keyof Collections & string> }
    : unknown
}

// An object, not the union of names: the option's literal intersected with a union of other
// literals would be `never`, and the compiler would report every field of the mutation.
interface UndeclaredCollection<Declared extends string> {
  'is not a declared collection; declared:': Declared
}

type CheckedApply<Entity, Args> = unknown extends Entity ? unknown : { apply: (draft: Entity | null, args: Args) => Entity | null | void }
