/**
 * Wire protocol of the reference server, pure: decoding client frames and building reply frames.
 */
import { DEFAULT_MAX_DEPTH, stripForbiddenKeys } from '../../src/protocol/sanitize'
import { nestsDeeperThan } from './textDepth'
import type { WireMessage } from './types'

/** A decoded client frame, or why it was refused. Decoding never throws. */
export type DecodedFrame =
  | { ok: true; message: WireMessage }
  | { ok: false; reason: string; replyTo?: string; type?: string }

/**
 * Frames longer than this are checked for depth on their text before `JSON.parse` (see
 * textDepth.ts): parsing 64 KiB of nesting takes about a millisecond, a megabyte 300.
 */
export const TEXT_DEPTH_CHECK_CHARS = 65_536

/** How many times `maxDepth` a frame over {@link TEXT_DEPTH_CHECK_CHARS} may nest before it is refused on its text. */
const TEXT_DEPTH_FACTOR = 2

/** A refusal, with the id and type of the refused message when they are usable (to answer it). */
function refusal(reason: string, replyTo: string | undefined, type: unknown): DecodedFrame {
  const refused: DecodedFrame = { ok: false, reason }
  if (replyTo !== undefined) refused.replyTo = replyTo
  if (typeof type === 'string' && type !== '') refused.type = type
  return refused
}

/** The rules {@link decodeClientFrame} holds a frame to besides its shape. */
export interface FrameRules {
  /** Deepest nesting (the frame is level 0), as the package's codec counts it. @default 1000 */
  maxDepth?: number
  /** Longest `type` and `id`, in characters. @default Infinity */
  maxIdLength?: number
}

/**
 * Decodes one client frame. Refuses binary frames, invalid JSON, non-objects, a missing or empty
 * string `type`, a non-string `id`, a `type` or `id` longer than `maxIdLength`, nesting deeper
 * than `maxDepth`, and a `__proto__`, `constructor` or `prototype` key at any depth (the
 * package's rules, from its `sanitize`: refused here rather than stripped, so nothing a client
 * meant is silently changed). When the frame is an object with a string id, the refusal
 * carries it as `replyTo` so the ERROR can be correlated.
 */
export function decodeClientFrame(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean, rules: FrameRules = {}): DecodedFrame {
  if (isBinary) return { ok: false, reason: 'binary frames are not supported' }
  const text = Array.isArray(raw)
    ? Buffer.concat(raw).toString('utf8')
    : Buffer.isBuffer(raw)
      ? raw.toString('utf8')
      : Buffer.from(raw).toString('utf8')
  const maxDepth = rules.maxDepth ?? DEFAULT_MAX_DEPTH
  // Only a large frame is slow to parse; a small one is parsed, so its refusal can name its id.
  // The text check only keeps hostile depth from the parser, so it allows twice the limit: a
  // BATCH element is held to a standalone frame's depth by the exact walk, and one a little too
  // deep is then NACKed alone instead of failing its whole frame. Parsing a bounded depth is cheap.
  if (text.length > TEXT_DEPTH_CHECK_CHARS && nestsDeeperThan(text, TEXT_DEPTH_FACTOR * maxDepth)) return { ok: false, reason: `frame nests deeper than ${maxDepth} levels` }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'frame is not valid JSON' }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'frame is not a JSON object' }
  }
  const obj = value as Record<string, unknown>
  const maxIdLength = rules.maxIdLength ?? Infinity
  const replyTo = typeof obj.id === 'string' && obj.id.length <= maxIdLength ? obj.id : undefined
  // A BATCH's elements are checked one by one as they are handled (checkClientMessage), so one
  // bad op is NACKed alone instead of leaving its neighbours unanswered; here only its envelope.
  const isBatch = obj.type === 'BATCH' && Array.isArray(obj.data)
  const refused = forbiddenContent(isBatch ? { ...obj, data: null } : obj, maxDepth)
  if (refused !== undefined) return refusal(refused, replyTo, obj.type)
  return readClientMessage(obj, maxIdLength)
}

/** Why `value` breaks the depth or forbidden-key rule, if it does (the package's walk). */
function forbiddenContent(value: unknown, maxDepth: number): string | undefined {
  // Iterative, so no nesting can overflow the stack here or later.
  const checked = stripForbiddenKeys(value, '', { maxDepth, maxReportedPaths: 1 })
  if (checked.tooDeep) return `frame nests deeper than ${maxDepth} levels`
  if (checked.strippedCount > 0) return `forbidden key ${checked.stripped[0] ?? ''} (__proto__, constructor and prototype are refused at any depth)`
  return undefined
}

/**
 * Reads one element of a client `BATCH` as a standalone frame: the same depth (the element is
 * level 0) and forbidden-key rules as {@link decodeClientFrame}, then {@link readClientMessage}.
 */
export function checkClientMessage(value: unknown, rules: FrameRules = {}): DecodedFrame {
  const read = readClientMessage(value, rules.maxIdLength)
  if (!read.ok) return read
  const refused = forbiddenContent(value, rules.maxDepth ?? DEFAULT_MAX_DEPTH)
  return refused === undefined ? read : refusal(refused, read.message.id, read.message.type)
}

/**
 * The shape rules of one client message (a frame, or an element of a client `BATCH`): a non-empty
 * string `type`, a string `id` when there is one, both at most `maxIdLength` characters. Returns
 * a fresh message holding only the fields the server reads.
 */
export function readClientMessage(value: unknown, maxIdLength = Infinity): DecodedFrame {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'message is not a JSON object' }
  }
  const obj = value as Record<string, unknown>
  const replyTo = typeof obj.id === 'string' && obj.id.length <= maxIdLength ? obj.id : undefined
  const refuse = (reason: string): DecodedFrame => refusal(reason, replyTo, obj.type)
  if (typeof obj.type !== 'string' || obj.type === '') return refuse('frame lacks a string type')
  if (obj.id !== undefined && typeof obj.id !== 'string') return refuse('id must be a string')
  if (typeof obj.id === 'string' && replyTo === undefined) return refuse(`id longer than ${maxIdLength} characters`)
  if (obj.type.length > maxIdLength) return refuse(`type longer than ${maxIdLength} characters`)
  const message: WireMessage = { type: obj.type }
  if (replyTo !== undefined) message.id = replyTo
  if ('data' in obj) message.data = obj.data
  if (typeof obj.ts === 'number') message.ts = obj.ts
  if (Number.isSafeInteger(obj.attempt) && (obj.attempt as number) > 0) message.attempt = obj.attempt as number
  return { ok: true, message }
}

/** `PONG` answering a PING: echoes the ping's id as `replyTo` and its `data.ts`. */
export function pongFrame(ping: WireMessage): WireMessage {
  const data = ping.data as { ts?: unknown } | null | undefined
  const frame: WireMessage = { type: 'PONG', data: { ts: data?.ts } }
  if (ping.id !== undefined) frame.replyTo = ping.id
  return frame
}

/** `ACK` for message `id` with the given data (default `{ received: true }`). */
export function ackFrame(id: string, data: unknown = { received: true }): WireMessage {
  return { type: 'ACK', replyTo: id, data }
}

/** `NACK` for message `id`. */
export function nackFrame(id: string, reason: string, retryable: boolean): WireMessage {
  return { type: 'NACK', replyTo: id, data: { reason, retryable } }
}

/** An answer to delivery `attempt` of an op (when the client numbered it) says which one it answers. */
export function answering(frame: WireMessage, attempt: number | undefined): WireMessage {
  return attempt === undefined ? frame : { ...frame, attempt }
}

/** Reply to request `id` of type `type`. */
export function replyFrame(type: string, id: string, data: unknown): WireMessage {
  return { type, replyTo: id, data }
}

/** `ERROR { reason }`, correlated with `replyTo` when known. */
export function errorFrame(reason: string, replyTo?: string): WireMessage {
  const frame: WireMessage = { type: 'ERROR', data: { reason } }
  if (replyTo !== undefined) frame.replyTo = replyTo
  return frame
}

/** The reason of the NACK sent by the `nackAll` fault knob. */
export const NACK_ALL_REASON = 'rejected by server fault knob'

/** The reason of the retryable NACK sent by the `nackRetryable` fault knob. */
export const NACK_RETRYABLE_REASON = 'temporarily unavailable (server fault knob)'

/** A readable reason from anything thrown. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : 'handler failed'
}
