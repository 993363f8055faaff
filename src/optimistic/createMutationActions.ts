import type { CompiledMutation, MutationDefinition, MutationDefinitions } from './defineMutations'
import type { MutationPayload } from './optimisticActions'

/** The action a mutation creator makes. */
export type MutationAction<Args = unknown> = {
  type: string
  payload: MutationPayload<Args>
}

/** A mutation's action creator: `realtime.actions.updateWidget({ id, value })`. */
export interface MutationActionCreator<Args = unknown> {
  (args: Args): MutationAction<Args>
  readonly type: string
  match(action: unknown): action is MutationAction<Args>
}

/** The args type of a mutation definition. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- matches a definition of any entity type (`unknown` would not, by variance)
export type MutationArgs<D> = D extends MutationDefinition<any, infer Args> ? Args : never

/** Action creators for every declared mutation. */
export type MutationActionCreators<M extends MutationDefinitions> = {
  [K in keyof M]: MutationActionCreator<MutationArgs<M[K]>>
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'undefined' : typeof value
}

/**
 * Makes one action creator per mutation. Each call mints the opId (the idempotency key of every
 * delivery) and reads the entity key; a key that is not a non-empty string throws at once.
 */
export function createMutationActions(
  mutations: ReadonlyMap<string, CompiledMutation>,
  generateId: () => string,
  now: () => number,
): Record<string, MutationActionCreator> {
  const creators: Record<string, MutationActionCreator> = {}
  for (const mutation of mutations.values()) {
    const creator = (args: unknown): MutationAction => {
      let key: unknown
      try {
        key = mutation.key(args)
      } catch (thrown) {
        throw new TypeError(`rtk-realtime: realtime.actions.${mutation.name}(args): mutations.${mutation.name}.key threw: ${String((thrown as Error)?.message ?? thrown)}`, { cause: thrown })
      }
      if (typeof key !== 'string' || key === '') {
        throw new TypeError(
          `rtk-realtime: realtime.actions.${mutation.name}(args): the entity key must be a non-empty string ` +
            `(args.id, or mutations.${mutation.name}.key), got ${describe(key)}`,
        )
      }
      return {
        type: mutation.actionType,
        payload: { opId: generateId(), collection: mutation.collection, key, args, createdAt: now() },
      }
    }
    creators[mutation.name] = Object.assign(creator, {
      type: mutation.actionType,
      match: (action: unknown): action is MutationAction => (action as { type?: unknown } | null)?.type === mutation.actionType,
    })
  }
  return creators
}
