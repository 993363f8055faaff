/**
 * Runs `fn`; an error it throws (the core's, which names the core API) is thrown again, of the same
 * class, with `call` (the hook as the user called it) in front of its message: `rtk-realtime:
 * usePendingOps("gadgets"): no collection "gadgets"; …`. `from`, when given, is the name of the core
 * API in the message, replaced by `call` instead.
 *
 * @internal
 */
export function renamed<T>(call: string, fn: () => T, from?: string): T {
  try {
    return fn()
  } catch (error) {
    const { message } = error as Error
    const Class = (error as Error).constructor as ErrorConstructor
    throw new Class(from ? message.replace(from, call) : message.replace(/^rtk-realtime: /, `rtk-realtime: ${call}: `), { cause: error })
  }
}

/** A value as a call shows it in an error message: `"w-1"`, `42`, `undefined`. @internal */
export function quote(value: unknown): string {
  // The wrong argument is often what JSON cannot show (NaN, a BigInt, a cycle): never throw here.
  try {
    return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    return String(value)
  }
}
