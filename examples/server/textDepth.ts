/**
 * A look at a frame's text before `JSON.parse`: V8 parses a megabyte of `[[[[...` in about
 * 300 ms, which would stall every other client, while counting brackets takes a few. The
 * authoritative depth check is the package's walk on the parsed value; this only keeps the
 * parser from ever seeing the hostile case.
 */

/** Whether `text`, read as JSON, opens more than `maxDepth` + 1 nested containers (the frame itself is level 0). */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  // A frame deeper than maxDepth needs maxDepth + 2 containers of two characters each.
  if (text.length < 2 * (maxDepth + 2)) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // a backslash escapes the next character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth + 1) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}
