import type { Envelope } from './envelope'

/**
 * Why a frame was refused; stable strings that tests and UIs can switch on. The codec produces the
 * first five; `validation_failed` comes from a route's or a collection's check, `invalid_answer`
 * and `unmatched_answer` from checking an ACK/NACK against the op it names.
 */
export type RejectCode =
  | 'binary_frame'
  | 'frame_too_large'
  | 'malformed_json'
  | 'invalid_envelope'
  | 'forbidden_key'
  | 'validation_failed'
  | 'invalid_answer'
  | 'unmatched_answer'

/** The outcome of decoding one frame. Decoding never throws. */
export type DecodeResult =
  | {
      ok: true
      message: Envelope
      /**
       * Paths of `__proto__` / `constructor` / `prototype` keys that were removed from the
       * payload (e.g. `data.__proto__`). Absent when nothing was removed.
       */
      stripped?: string[]
    }
  | { ok: false; code: RejectCode; reason: string }

/**
 * Turns envelopes into frames and back. Replace it to speak another wire format; a custom
 * codec must keep the contract: `decode` never throws and returns plain data only.
 */
export interface Codec {
  encode(message: Envelope): string
  decode(frame: unknown): DecodeResult
}
