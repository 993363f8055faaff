/** Longest rendering of a value in an error message, so a huge input does not flood the log. */
export const MAX_FORMATTED_LENGTH = 80

/**
 * Renders any value for an error message without ever throwing: strings quoted, `NaN`,
 * `Infinity`, `-0` and bigints spelled out, functions as `function`, objects as JSON when they can
 * be (circular or otherwise unserializable ones fall back to their tag), truncated to
 * {@link MAX_FORMATTED_LENGTH} characters.
 */
export function formatValue(value: unknown): string {
  return truncate(render(value))
}

function render(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      // JSON.stringify would print NaN and Infinity as null and -0 as 0, hiding the very problem.
      return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint':
      return `${value}n`
    case 'function':
      return 'function'
    case 'symbol':
      return value.toString()
    case 'undefined':
    case 'boolean':
      return String(value)
    case 'object':
      return renderObject(value)
  }
  return String(value)
}

function renderObject(value: object | null): string {
  if (value === null) return 'null'
  try {
    const json = JSON.stringify(value)
    if (typeof json === 'string') return json
  } catch {
    // Circular structures, bigints inside, and throwing getters or toJSON land here.
  }
  return Object.prototype.toString.call(value)
}

function truncate(text: string): string {
  return text.length > MAX_FORMATTED_LENGTH ? `${text.slice(0, MAX_FORMATTED_LENGTH - 1)}…` : text
}
