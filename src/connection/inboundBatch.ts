import type { Envelope } from '../protocol/envelope'
import { describeValue, readEnvelope } from '../protocol/readEnvelope'
import type { FrameContext } from './frameHandler'
import type { ConnectionRuntime } from './runtime'

/** The type of a frame that carries several frames in `data` (DESIGN.md section 4). */
export const BATCH_TYPE = 'BATCH'

/**
 * Unpacks an inbound `BATCH` frame `{ type: 'BATCH', data: [frame, ...] }` and hands each element,
 * in order, to `deliver`: the path a standalone frame takes after decoding, so an element meets
 * the same envelope checks, handlers (seq tracking, answers, entity updates) and routing. The
 * BATCH's own `seq`, `id` and the like mean nothing: each element carries its own.
 *
 * A malformed element is one `messageRejected` naming its index, and the others still apply: a
 * server that sent it meant the rest. A `data` that is not an array, or a BATCH inside a BATCH, is
 * rejected as a whole and nothing of it applies: that is a sender that does not speak the protocol,
 * and unpacking one level only keeps the work per frame bounded.
 */
export function handleBatch(
  rt: ConnectionRuntime,
  batch: Envelope,
  receivedAt: number,
  context: FrameContext,
  deliver: (message: Envelope) => void,
): void {
  const items = batch.data
  const reject = (reason: string) =>
    context.dispatch(rt.actions.messageRejected({ code: 'invalid_envelope', reason: `rtk-realtime: "BATCH" ${reason}`, type: BATCH_TYPE, at: receivedAt }))
  if (!Array.isArray(items)) {
    reject(`data must be an array of frames (got ${describeValue(items)}); the frame was dropped`)
    return
  }
  for (let i = 0; i < items.length; i++) {
    const type = (items[i] as { type?: unknown } | null)?.type
    if (type === BATCH_TYPE) {
      reject(`element ${i} is a BATCH: batches do not nest; the frame was dropped`)
      return
    }
  }
  for (let i = 0; i < items.length; i++) {
    const read = readEnvelope(items[i])
    if (read.ok) deliver(read.message)
    else reject(`element ${i} rejected: ${read.reason}`)
  }
}
