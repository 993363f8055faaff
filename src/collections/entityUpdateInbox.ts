import { buffers, eventChannel, type EventChannel } from 'redux-saga'
import { createUpdateBatcher } from '../batching/createUpdateBatcher'
import type { FrameHandler } from '../connection/frameHandler'
import type { ConnectionRuntime } from '../connection/runtime'
import type { UpdateParser } from './defineCollections'
import type { CoalescedUpdate } from './types'

/** A batch of coalesced updates and how many frames it stands for. */
export interface UpdateBatch {
  updates: CoalescedUpdate[]
  received: number
}

/** Where inbound entity updates wait for their batch: one per saga run (per store). */
export interface EntityUpdateInbox {
  /** The inbound link: frames of a collection's update types go to the batcher, not to `put`. */
  handler: FrameHandler
  /** The batcher's flushes (by size, timer or animation frame), to be put as one action each. */
  batches: EventChannel<UpdateBatch>
  /** Applies what the batcher holds now (the session is ending). */
  flush(): void
}

/**
 * Entity update frames skip `put`: each is parsed and handed to the batcher, which coalesces them
 * per key and flushes one `entitiesUpdated` action per batch (DESIGN.md section 2).
 */
export function createEntityUpdateInbox(rt: ConnectionRuntime, parsers: ReadonlyMap<string, UpdateParser>): EntityUpdateInbox {
  const { BATCH_MODE, BATCH_SIZE, BATCH_DELAY, DEDUPLICATION } = rt.config.updates
  let emit: (batch: UpdateBatch) => void = () => {}
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => unknown }).requestAnimationFrame
  const caf = (globalThis as { cancelAnimationFrame?: (h: unknown) => void }).cancelAnimationFrame
  const batcher = createUpdateBatcher({
    mode: BATCH_MODE,
    size: BATCH_SIZE,
    delay: BATCH_DELAY,
    deduplicate: DEDUPLICATION,
    timers: rt.timers,
    ...(raf && caf ? { requestAnimationFrame: (cb: () => void) => raf(cb), cancelAnimationFrame: (h: unknown) => caf(h) } : {}),
    onFlush: (updates, stats) => emit({ updates: updates as CoalescedUpdate[], received: stats.received }),
  })
  const batches = eventChannel<UpdateBatch>((e) => {
    emit = e
    return () => batcher.dispose()
  }, buffers.expanding<UpdateBatch>(16))

  // The last type looked up and its parser: a stream is mostly one type, and comparing with the
  // last one is cheaper than hashing the type (a fresh string from JSON.parse) for the Map.
  let lastType: string | undefined
  let lastParse: UpdateParser | undefined
  const handler: FrameHandler = (message, receivedAt, { dispatch }) => {
    const type = message.type
    let parse = lastParse
    if (type !== lastType) {
      parse = parsers.get(type)
      lastType = type
      lastParse = parse
    }
    if (!parse) return false
    const update = parse(message)
    if (typeof update === 'string') {
      dispatch(rt.actions.messageRejected({ code: 'validation_failed', reason: `rtk-realtime: "${message.type}" update rejected: ${update}`, type: message.type, at: receivedAt }))
    } else {
      batcher.add(update)
    }
    return true
  }
  return { handler, batches, flush: () => batcher.flush() }
}
