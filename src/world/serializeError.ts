/** An error as plain data: what the package puts in actions and state instead of an `Error`. */
export interface RealtimeError {
  name: string
  message: string
  code?: string
}

/**
 * Turns anything thrown into a {@link RealtimeError}. Unlike RTK's `miniSerializeError` it keeps
 * only strings, so a thrown `Event` or socket never leaks into an action.
 */
export function toRealtimeError(thrown: unknown, fallbackName = 'Error'): RealtimeError {
  if (thrown && typeof thrown === 'object') {
    const { name, message, code } = thrown as Record<string, unknown>
    const error: RealtimeError = {
      name: typeof name === 'string' && name ? name : fallbackName,
      message: typeof message === 'string' ? message : String(thrown),
    }
    if (typeof code === 'string' || typeof code === 'number') error.code = String(code)
    return error
  }
  return { name: fallbackName, message: String(thrown) }
}
