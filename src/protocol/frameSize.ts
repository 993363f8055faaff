/**
 * Scratch space for counting. Small and reused: `encodeInto` only needs somewhere to write, and a
 * buffer as large as the frame (what `encode` allocates) would be garbage after every count.
 */
const SCRATCH_BYTES = 16384

let encoder: TextEncoder | undefined
let scratch: Uint8Array | undefined

/**
 * Number of bytes `text` takes when encoded as UTF-8, the way a WebSocket text frame carries it.
 * A lone surrogate counts as 3 bytes, because encoders replace it with U+FFFD.
 *
 * Uses `TextEncoder.encodeInto` in chunks: measured on Node 20 it is 4 to 40 times faster than
 * a JavaScript loop over the code units (the engine encodes with SIMD) and allocates nothing.
 * Runtimes without `TextEncoder` (older React Native) get the loop.
 */
export function utf8ByteLength(text: string): number {
  if (typeof TextEncoder === 'undefined') return countUtf8Bytes(text)
  encoder ??= new TextEncoder()
  scratch ??= new Uint8Array(SCRATCH_BYTES)
  let bytes = 0
  let rest = text
  for (;;) {
    // encodeInto writes whole characters only, so `read` never splits a surrogate pair, and an
    // empty buffer always has room for at least one character: every round makes progress.
    const { read, written } = encoder.encodeInto(rest, scratch)
    bytes += written
    if (read >= rest.length) return bytes
    rest = rest.slice(read)
  }
}

/** The same count as {@link utf8ByteLength}, in plain JavaScript for runtimes without `TextEncoder`. */
export function countUtf8Bytes(text: string): number {
  const length = text.length
  // Start from one byte per code unit and add the extra bytes of the wider characters.
  let bytes = length
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) continue
    if (unit < 0x800) {
      bytes += 1
      continue
    }
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1)
      // A valid pair is two code units for one 4-byte code point: skip the low half so it is not
      // counted again as a 3-byte character.
      if (next >= 0xdc00 && next <= 0xdfff) i++
    }
    bytes += 2
  }
  return bytes
}
