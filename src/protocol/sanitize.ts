/**
 * Keys removed from every inbound payload. `JSON.parse` stores them as harmless own properties, but
 * a later spread, `Object.assign` or deep merge into a normal object would treat `__proto__` as the
 * prototype setter, and `constructor.prototype` chains are the classic route to `Object.prototype`.
 */
export const FORBIDDEN_KEYS = Object.freeze(['__proto__', 'constructor', 'prototype'] as const)

/**
 * How deep {@link stripForbiddenKeys} follows nested objects and arrays before giving up.
 * Deeper data is rejected rather than walked, so hostile nesting cannot exhaust the stack of this
 * walk or of the recursive code (reducers, Immer, serializability checks) the data would meet later.
 * @default 1000
 */
export const DEFAULT_MAX_DEPTH = 1000

/**
 * How many removed keys {@link stripForbiddenKeys} lists by path. Beyond it keys are still removed
 * and counted, just not listed: a 1 MiB frame could otherwise make the walk build ~60k paths of up
 * to a thousand segments each, turning a small frame into a very large report.
 * @default 100
 */
export const DEFAULT_MAX_REPORTED_PATHS = 100

/** Options for {@link stripForbiddenKeys}. */
export interface StripOptions {
  /**
   * Deepest nesting level accepted; the value passed in is level 0, its children level 1.
   * @default 1000
   */
  maxDepth?: number
  /**
   * Most paths listed in `stripped`; `strippedCount` still counts every removed key.
   * @default 100
   */
  maxReportedPaths?: number
}

/** What {@link stripForbiddenKeys} found. */
export interface StripResult {
  /**
   * The input when nothing was removed (same reference, no copy), otherwise a copy in which only
   * the containers on the way to a removed key are new. `undefined` when `tooDeep` is true.
   */
  value: unknown
  /**
   * Dotted paths of the removed keys in document order, e.g. `data.items.0.__proto__`; empty when
   * none. Lists at most `maxReportedPaths` of them.
   */
  stripped: string[]
  /** How many keys were removed, including those past `maxReportedPaths`. */
  strippedCount: number
  /**
   * True when the value nests deeper than `maxDepth`. The walk stops there, `value` is
   * `undefined` and the caller should refuse the data.
   */
  tooDeep: boolean
}

type Container = Record<string, unknown> | unknown[]

/** One container being walked; the explicit stack replaces recursion so depth cannot overflow. */
interface Frame {
  src: Container
  /** Own keys of an object, or null for an array (walked by index). */
  keys: string[] | null
  /** Index of the entry being visited; while a child is on the stack, the child's key. */
  i: number
  /** The copy, created only once something below this container had to change. */
  out: Container | null
}

const forbidden = new Set<string>(FORBIDDEN_KEYS)

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null
}

function openFrame(src: Container): Frame {
  return { src, keys: Array.isArray(src) ? null : Object.keys(src), i: 0, out: null }
}

function keyAt(frame: Frame, index: number): string | number {
  return frame.keys === null ? index : (frame.keys[index] as string)
}

/**
 * Starts the copy of a container at the first change: everything before the current entry was
 * kept as is, so it is copied over unchanged. Only allowed keys ever reach a copy (forbidden ones
 * are skipped before this point), so plain assignment cannot hit the `__proto__` setter.
 */
function ensureCopy(frame: Frame): Container {
  if (frame.out !== null) return frame.out
  if (frame.keys === null) {
    frame.out = (frame.src as unknown[]).slice(0, frame.i)
  } else {
    const src = frame.src as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (let k = 0; k < frame.i; k++) {
      const key = frame.keys[k] as string
      out[key] = src[key]
    }
    frame.out = out
  }
  return frame.out
}

function put(out: Container, key: string | number, value: unknown): void {
  ;(out as Record<string | number, unknown>)[key] = value
}

/** Builds the path of a removed key from the keys currently being visited on the stack. */
function pathOf(basePath: string, stack: Frame[], key: string): string {
  const parts: (string | number)[] = basePath === '' ? [] : [basePath]
  for (let s = 0; s < stack.length - 1; s++) {
    const frame = stack[s] as Frame
    parts.push(keyAt(frame, frame.i))
  }
  parts.push(key)
  return parts.join('.')
}

const SCAN_CLEAN = 0
const SCAN_FORBIDDEN = 1
const SCAN_TOO_DEEP = 2

/**
 * Read-only pass: is there any forbidden key, or nesting past `maxDepth`? Stops at the first
 * finding. Two parallel stacks instead of frame objects keep it allocation-light, which is what
 * makes it cheap enough to run on every large frame.
 */
function scan(root: Container, maxDepth: number): number {
  const values: Container[] = [root]
  const depths: number[] = [0]
  while (values.length > 0) {
    const value = values.pop() as Container
    const childDepth = (depths.pop() as number) + 1
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child = value[i]
        if (typeof child !== 'object' || child === null) continue
        if (childDepth > maxDepth) return SCAN_TOO_DEEP
        values.push(child as Container)
        depths.push(childDepth)
      }
      continue
    }
    // for...in rather than Object.keys: no key array per object, about twice as fast here. It
    // also visits inherited enumerable keys, which JSON data does not have; for other input
    // that only means extra looking, since the copying walk below uses own keys.
    for (const key in value) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') return SCAN_FORBIDDEN
      const child = (value as Record<string, unknown>)[key]
      if (typeof child !== 'object' || child === null) continue
      if (childDepth > maxDepth) return SCAN_TOO_DEEP
      values.push(child as Container)
      depths.push(childDepth)
    }
  }
  return SCAN_CLEAN
}

/**
 * Removes `__proto__`, `constructor` and `prototype` own keys from objects at any depth (inside
 * arrays too) and reports where they were. Meant for JSON-shaped data: plain objects, arrays and
 * primitives.
 *
 * Returns the input itself when nothing had to go, so the common case allocates no copy. The walk
 * is iterative and stops past `maxDepth` (reported as `tooDeep`, never thrown), which also ends it
 * on cyclic input. Copies only ever receive allowed keys, so building them cannot reach
 * `Object.prototype`.
 *
 * @param value The data to clean, e.g. a decoded frame's `data`.
 * @param path Prefix for the reported paths, e.g. `data`.
 */
export function stripForbiddenKeys(value: unknown, path = '', options: StripOptions = {}): StripResult {
  const stripped: string[] = []
  if (!isContainer(value)) return { value, stripped, strippedCount: 0, tooDeep: false }
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const maxReportedPaths = options.maxReportedPaths ?? DEFAULT_MAX_REPORTED_PATHS
  if (maxDepth < 0) return { value: undefined, stripped, strippedCount: 0, tooDeep: true }

  // Most data is clean: a lean read-only pass settles it without building copy bookkeeping.
  const found = scan(value, maxDepth)
  if (found === SCAN_CLEAN) return { value, stripped, strippedCount: 0, tooDeep: false }
  if (found === SCAN_TOO_DEEP) return { value: undefined, stripped, strippedCount: 0, tooDeep: true }

  const stack: Frame[] = [openFrame(value)]
  let result: unknown = value
  let strippedCount = 0

  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame
    const size = frame.keys === null ? (frame.src as unknown[]).length : frame.keys.length

    if (frame.i >= size) {
      stack.pop()
      const done = frame.out ?? frame.src
      const parent = stack[stack.length - 1]
      if (parent === undefined) {
        result = done
      } else {
        // A changed child forces a copy of its parent, and so on up to the root.
        if (done !== frame.src) ensureCopy(parent)
        if (parent.out !== null) put(parent.out, keyAt(parent, parent.i), done)
        parent.i++
      }
      continue
    }

    const key = keyAt(frame, frame.i)
    if (typeof key === 'string' && forbidden.has(key)) {
      strippedCount++
      if (stripped.length < maxReportedPaths) stripped.push(pathOf(path, stack, key))
      ensureCopy(frame)
      frame.i++
      continue
    }

    const child = (frame.src as Record<string | number, unknown>)[key]
    if (isContainer(child)) {
      // The stack holds one frame per level, so its height is the child's depth.
      if (stack.length > maxDepth) return { value: undefined, stripped, strippedCount, tooDeep: true }
      stack.push(openFrame(child))
      continue
    }
    if (frame.out !== null) put(frame.out, key, child)
    frame.i++
  }

  return { value: result, stripped, strippedCount, tooDeep: false }
}
