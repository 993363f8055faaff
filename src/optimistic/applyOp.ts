import { createNextState as produce } from '@reduxjs/toolkit'
import type { CompiledMutation } from './defineMutations'
import { isPlainObject } from '../util/isPlainObject'
import { setOwn } from '../util/setOwn'
import { isPending } from './lanes'
import type { Op } from './types'

/**
 * One op's effect on a value: the mutation's Immer recipe, then the fields a MERGE gave to the
 * remote side put back. Returns the value unchanged when the recipe throws: a broken op must not
 * take the view (or the reducer) down; the server still decides its fate.
 */
export function applyOp(value: unknown, op: Pick<Op, 'args' | 'protectedFields'>, mutation: CompiledMutation | undefined): unknown {
  const applied = tryApplyOp(value, op, mutation)
  return 'error' in applied ? value : applied.value
}

/** {@link applyOp}, telling what the recipe threw instead of hiding it. */
export function tryApplyOp(
  value: unknown,
  op: Pick<Op, 'args' | 'protectedFields'>,
  mutation: CompiledMutation | undefined,
): { value: unknown } | { error: string } {
  if (!mutation) return { value }
  let next: unknown
  try {
    next = produce(value, (draft: unknown) => mutation.apply(draft, op.args)) as unknown
  } catch (thrown) {
    return { error: thrown instanceof Error ? thrown.message : String(thrown) }
  }
  if (next === undefined) next = value
  const protectedFields = op.protectedFields
  if (protectedFields && isPlainObject(value) && isPlainObject(next)) {
    const restored: Record<string, unknown> = { ...next }
    for (const field of protectedFields) {
      if (Object.hasOwn(value, field)) setOwn(restored, field, value[field])
      else delete restored[field]
    }
    return { value: restored }
  }
  return { value: next }
}

/**
 * `confirmed` with the pending ops applied in order: the view, by invariant 1 of DESIGN.md. An op
 * in `doubt` was rolled back and is left out; only its ACK brings its effect back, as the server's
 * value.
 */
export function rebase(
  confirmed: unknown,
  ops: readonly Op[],
  mutations: ReadonlyMap<string, CompiledMutation>,
): unknown {
  let value = confirmed
  for (const op of ops) if (isPending(op)) value = applyOp(value, op, mutations.get(op.mutation))
  return value
}
