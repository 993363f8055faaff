import type { Envelope } from '../protocol/envelope'
import { isPlainObject } from '../util/isPlainObject'
import type { CompiledMutation } from './defineMutations'
import type { Op } from './types'

/**
 * The frame of delivery `attempt` of an op: `{ type, id: opId, attempt, data: { ...args,
 * baseVersion } }` (args that are not an object travel as `data.value`). The fields a MERGE gave to
 * the remote side are left out, so the server ends where the view said it would.
 */
export function opMessage(op: Op, mutation: CompiledMutation, attempt: number): Envelope {
  const { args, protectedFields } = op
  let data: Record<string, unknown>
  if (isPlainObject(args)) {
    data = { ...args }
    // `id` names the entity: it is never a field the remote could take.
    if (protectedFields) for (const field of protectedFields) if (field !== 'id') delete data[field]
  } else {
    data = { value: args }
  }
  data.baseVersion = op.baseVersion
  return { type: mutation.message, id: op.opId, attempt, data }
}
