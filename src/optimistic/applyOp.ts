import { createNextState as produce } from '@reduxjs/toolkit'
import type { CompiledMutation } from './defineMutations'
import type { Op } from './types'

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * One op's effect on a value: the mutation's Immer recipe, then the fields a MERGE gave to the
 * remote side put back. Returns the value unchanged when the recipe throws: a broken op must not
 * take the view (or the reducer) down; the server still decides its fate.
 */
export function applyOp(value: unknown, op: Op, mutation: CompiledMutation | undefined): unknown {
  if (!mutation) return value
  let next: unknown
  try {
    next = produce(value, (draft: unknown) => mutation.apply(draft, op.args)) as unknown
  } catch {
    return value
  }
  if (next === undefined) next = value
  const protectedFields = op.protectedFields
  if (protectedFields && isObject(value) && isObject(next)) {
    const restored: Record<string, unknown> = { ...next }
    for (const field of protectedFields) {
      if (Object.hasOwn(value, field)) restored[field] = value[field]
      else delete restored[field]
    }
    return restored
  }
  return next
}

/** `confirmed` with the ops applied in order: the view, by invariant 1 of DESIGN.md. */
export function rebase(
  confirmed: unknown,
  ops: readonly Op[],
  mutations: ReadonlyMap<string, CompiledMutation>,
): unknown {
  let value = confirmed
  for (const op of ops) value = applyOp(value, op, mutations.get(op.mutation))
  return value
}

/** Structural equality of plain JSON-like data. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}

/** Top-level fields whose values differ between two objects. */
export function changedFields(before: unknown, after: unknown): string[] {
  if (!isObject(before) || !isObject(after)) return []
  const fields: string[] = []
  for (const field of Object.keys(before)) if (!deepEqual(before[field], after[field])) fields.push(field)
  for (const field of Object.keys(after)) if (!Object.hasOwn(before, field)) fields.push(field)
  return fields
}
