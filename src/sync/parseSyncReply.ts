import type { UpdateParser } from '../collections/defineCollections'
import type { EntityUpdate } from '../collections/types'
import type { Envelope } from '../protocol/envelope'
import { isPlainObject } from '../util/isPlainObject'
import type { RealtimeError } from '../world/serializeError'

/** A frame of a SYNC reply (or an entity of a `load`) that failed its collection's checks. */
export interface SyncRejection {
  type?: string
  reason: string
}

/** What a SYNC reply holds, read: the updates to apply and the frames refused. */
export interface ParsedSyncReply {
  seq: number
  snapshot: boolean
  updates: EntityUpdate[]
  rejected: SyncRejection[]
}

const invalid = (requestType: string, why: string): { error: RealtimeError } => ({
  error: { name: 'SyncError', code: 'INVALID_SYNC_REPLY', message: `rtk-realtime: the ${requestType} reply ${why}` },
})

/**
 * Reads the `data` of a SYNC reply: `{ seq, messages: [frame, ...], snapshot? }`. Each frame of a
 * collection's update type is read by that collection's parser, with the checks live updates get;
 * a frame that fails them is refused on its own (the rest still apply). Frames of other types
 * (broadcasts that are not entity updates) are skipped: a SYNC recovers entity state, not events.
 * A reply of another shape is an error, never a partial result.
 */
export function parseSyncReply(data: unknown, parsers: ReadonlyMap<string, UpdateParser>, requestType = 'SYNC'): ParsedSyncReply | { error: RealtimeError } {
  if (!isPlainObject(data)) return invalid(requestType, 'must have data { seq, messages, snapshot? }')
  const { seq, messages, snapshot } = data
  if (typeof seq !== 'number' || !Number.isFinite(seq) || seq < 0) return invalid(requestType, `must have data.seq, a number >= 0 (got ${JSON.stringify(seq) ?? 'undefined'})`)
  if (!Array.isArray(messages)) return invalid(requestType, 'must have data.messages, an array of frames')
  if (snapshot !== undefined && typeof snapshot !== 'boolean') return invalid(requestType, 'data.snapshot must be a boolean when present')
  const updates: EntityUpdate[] = []
  const rejected: SyncRejection[] = []
  messages.forEach((message: unknown, i) => {
    if (!isPlainObject(message) || typeof message.type !== 'string' || message.type === '') {
      rejected.push({ reason: `rtk-realtime: ${requestType} reply: messages[${i}] is not a frame { type, data }` })
      return
    }
    const parse = parsers.get(message.type)
    if (!parse) return
    const update = parse(message as unknown as Envelope)
    if (typeof update === 'string') rejected.push({ type: message.type, reason: `rtk-realtime: ${requestType} reply: "${message.type}" update rejected: ${update}` })
    else updates.push(update)
  })
  return { seq, snapshot: snapshot === true, updates, rejected }
}
