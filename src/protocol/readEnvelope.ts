import type { DecodeResult } from './codec'
import type { Envelope } from './envelope'

type Rejection = Extract<DecodeResult, { ok: false }>

/** A short label for a value in a reason text: `null`, `array`, `Infinity`, `string`, ... */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return String(value)
  return typeof value
}

function rejectField(field: string, expected: string, value: unknown): Rejection {
  return { ok: false, code: 'invalid_envelope', reason: `"${field}" must be ${expected} (got ${describeValue(value)})` }
}

/**
 * Checks that `raw` has the shape of an envelope (DESIGN.md section 4) and returns a fresh object
 * holding only the envelope fields: unknown top-level keys, forbidden ones included, never travel
 * further. Used by the JSON codec on a parsed frame and by the inbound path on each element of a
 * `BATCH` frame, so an element is held to exactly the rules of a standalone frame. Never throws.
 */
export function readEnvelope(raw: unknown): { ok: true; message: Envelope } | Rejection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'invalid_envelope', reason: `frame must be a JSON object (got ${describeValue(raw)})` }
  }
  // Each field is read once into a local: the checks and the copy below reuse them.
  const { type, id, replyTo, data, seq, ts, attempt } = raw as Record<string, unknown>
  if (typeof type !== 'string' || type === '') {
    const got = type === undefined ? 'missing' : type === '' ? 'empty' : `got ${describeValue(type)}`
    return { ok: false, code: 'invalid_envelope', reason: `"type" must be a non-empty string (${got})` }
  }
  if (id !== undefined && typeof id !== 'string') return rejectField('id', 'a string', id)
  if (replyTo !== undefined && typeof replyTo !== 'string') return rejectField('replyTo', 'a string', replyTo)
  // Number.isFinite also refuses 1e400, which JSON.parse turns into Infinity.
  if (seq !== undefined && !Number.isFinite(seq)) return rejectField('seq', 'a finite number', seq)
  if (ts !== undefined && !Number.isFinite(ts)) return rejectField('ts', 'a finite number', ts)
  if (attempt !== undefined && !(Number.isSafeInteger(attempt) && (attempt as number) > 0)) {
    return rejectField('attempt', 'a positive integer', attempt)
  }
  const message: Envelope = { type }
  if (id !== undefined) message.id = id
  if (replyTo !== undefined) message.replyTo = replyTo
  if (data !== undefined) message.data = data
  if (seq !== undefined) message.seq = seq as number
  if (ts !== undefined) message.ts = ts as number
  if (attempt !== undefined) message.attempt = attempt as number
  return { ok: true, message }
}
