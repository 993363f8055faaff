import type { Codec, DecodeResult } from './codec'
import { utf8ByteLength } from './frameSize'
import { readEnvelope } from './readEnvelope'
import { DEFAULT_MAX_DEPTH, FORBIDDEN_KEYS, stripForbiddenKeys } from './sanitize'

/** Largest inbound frame the default codec accepts, in UTF-8 bytes (1 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 1048576

/** Options for {@link createJsonCodec}. */
export interface JsonCodecOptions {
  /**
   * Largest inbound frame accepted, in UTF-8 bytes; larger frames are refused with
   * `frame_too_large`. Mirrors `websocket.MAX_FRAME_BYTES`.
   * @default 1048576
   */
  maxFrameBytes?: number
  /**
   * Deepest nesting accepted, counting the envelope as level 0 and `data` as level 1; deeper
   * frames are refused with `invalid_envelope`.
   * @default 1000
   */
  maxDepth?: number
}

type Rejection = Extract<DecodeResult, { ok: false }>

const PREVIEW_CHARS = 80

/**
 * A \u escape of a character that occurs in a forbidden key ('_' and lowercase letters, U+005F to
 * U+0079). Escapes of anything else, like the \u00e9 of servers that escape all non-ASCII text,
 * cannot spell a forbidden key and so do not cost a walk.
 */
const ESCAPED_KEY_CHARACTER = /\\u00[5-7]/i

function reject(code: Rejection['code'], reason: string): Rejection {
  return { ok: false, code, reason }
}

/** Size of a binary frame when its kind tells it; never throws, whatever the frame is. */
function binaryByteLength(frame: unknown): number | undefined {
  try {
    if (typeof ArrayBuffer !== 'undefined') {
      // Covers Buffer, Uint8Array, DataView and every other view.
      if (ArrayBuffer.isView(frame)) return frame.byteLength
      if (frame instanceof ArrayBuffer) return frame.byteLength
    }
    if (typeof SharedArrayBuffer !== 'undefined' && frame instanceof SharedArrayBuffer) {
      return frame.byteLength
    }
    if (typeof Blob !== 'undefined' && frame instanceof Blob) return frame.size
  } catch {
    // A hostile object (a revoked Proxy, a throwing getter) simply has no known size.
  }
  return undefined
}

function rejectBinary(frame: unknown): Rejection {
  const bytes = binaryByteLength(frame)
  // Only typeof here: even Array.isArray throws on a revoked Proxy.
  const kind = frame === null ? 'null' : typeof frame
  const size = bytes === undefined ? `of unknown size (${kind})` : `of ${bytes} bytes`
  return reject('binary_frame', `binary frame ${size} (only text frames are accepted)`)
}

function rejectTooLarge(bytes: number, exact: boolean, maxFrameBytes: number): Rejection {
  const size = exact ? `${bytes} bytes` : `at least ${bytes} bytes`
  return reject(
    'frame_too_large',
    `frame of ${size} exceeds the limit of ${maxFrameBytes} bytes (websocket.MAX_FRAME_BYTES)`,
  )
}

function rejectMalformed(frame: string, error: unknown): Rejection {
  const message = error instanceof Error ? error.message : String(error)
  let preview = frame
  if (frame.length > PREVIEW_CHARS) {
    let end = PREVIEW_CHARS - 3
    // Do not cut a surrogate pair in half, which would leave an unprintable character.
    const last = frame.charCodeAt(end - 1)
    if (last >= 0xd800 && last <= 0xdbff) end--
    preview = `${frame.slice(0, end)}...`
  }
  // JSON.stringify makes control characters and quotes in the preview visible and unambiguous.
  return reject('malformed_json', `malformed JSON: ${message}; frame starts ${JSON.stringify(preview)}`)
}

/**
 * Creates the default codec of DESIGN.md section 4: one JSON object per text frame.
 *
 * `decode` never throws. It refuses binary, oversized, malformed and mis-shaped frames with a
 * {@link DecodeResult} code and a readable reason, drops `__proto__` / `constructor` /
 * `prototype` keys at any depth (listing them in `stripped`: forbidden top-level keys, then up to
 * 100 paths inside `data`), and returns a fresh object holding only the envelope fields.
 *
 * `encode` is `JSON.stringify`, so it throws on data JSON cannot carry (cycles, BigInt): that is a
 * bug in the sender, not something arriving from the network.
 *
 * Text frames only: with the Node `ws` library, pass `data.toString()` for frames whose
 * `isBinary` flag is false, since `ws` hands text frames over as Buffers too.
 */
export function createJsonCodec(options: JsonCodecOptions = {}): Codec {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  if (!(maxFrameBytes > 0)) {
    throw new RangeError(`maxFrameBytes must be a positive number (got ${maxFrameBytes})`)
  }
  if (!(maxDepth >= 1)) throw new RangeError(`maxDepth must be at least 1 (got ${maxDepth})`)

  // Exceeding maxDepth takes maxDepth + 2 nested containers, each at least two characters, so a
  // shorter frame cannot be too deep and needs no depth walk.
  const deepTextLength = 2 * maxDepth

  function decode(frame: unknown): DecodeResult {
    if (typeof frame !== 'string') return rejectBinary(frame)

    // UTF-8 takes one to three bytes per UTF-16 code unit, so the length alone settles most
    // frames; only the band in between needs an exact count.
    const length = frame.length
    if (length > maxFrameBytes) return rejectTooLarge(length, false, maxFrameBytes)
    if (length * 3 > maxFrameBytes) {
      const bytes = utf8ByteLength(frame)
      if (bytes > maxFrameBytes) return rejectTooLarge(bytes, true, maxFrameBytes)
    }

    let parsed: unknown
    try {
      // No reviver: it would slow every frame down to catch keys that almost never appear.
      parsed = JSON.parse(frame)
    } catch (error) {
      return rejectMalformed(frame, error)
    }

    const read = readEnvelope(parsed)
    if (!read.ok) return read
    const message = read.message
    const raw = parsed as Record<string, unknown>

    let data = message.data
    let stripped: string[] | undefined
    // A forbidden key can only be present if its name is in the text, or spelled with a \u
    // escape ("\u005f_proto__"); 'proto' covers both '__proto__' and 'prototype'. Only such
    // frames, and frames long enough to nest too deep, pay for the walk.
    if (
      length > deepTextLength ||
      frame.includes('proto') ||
      frame.includes('constructor') ||
      (frame.includes('\\u') && ESCAPED_KEY_CHARACTER.test(frame))
    ) {
      let found: string[] = []
      for (const key of FORBIDDEN_KEYS) {
        if (Object.hasOwn(raw, key)) found.push(key)
      }
      if (data !== undefined) {
        const result = stripForbiddenKeys(data, 'data', { maxDepth: maxDepth - 1 })
        if (result.tooDeep) {
          return reject('invalid_envelope', `"data" is nested deeper than ${maxDepth} levels`)
        }
        data = result.value
        // concat, not push(...spread): spreading a long list can overflow the stack, and decode
        // must not throw even if the list cap is raised.
        if (result.stripped.length > 0) found = found.concat(result.stripped)
      }
      if (found.length > 0) stripped = found
    }

    if (data !== message.data) message.data = data
    // The common case hands on readEnvelope's own result: no second object per frame.
    return stripped === undefined ? read : { ok: true, message, stripped }
  }

  return {
    encode: (message) => JSON.stringify(message),
    decode,
  }
}
