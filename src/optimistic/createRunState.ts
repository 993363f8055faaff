import { buffers, eventChannel, type EventChannel } from 'redux-saga'
import { createUpdateBatcher } from '../batching/createUpdateBatcher'
import type { CoalescedUpdate } from '../collections/types'
import type { ConnectionRuntime } from '../connection/runtime'
import type { RunState } from './opsRuntime'

/** A batch of coalesced updates and how many frames it stands for. */
export interface UpdateBatch {
  updates: CoalescedUpdate[]
  received: number
}

/**
 * The per-store memory of one saga run: the op index and the inbound batcher, whose flushes (by
 * size, timer or animation frame) come out of `batches`, to be put as one action each.
 */
export function createRunState(rt: ConnectionRuntime): { run: RunState; batches: EventChannel<UpdateBatch> } {
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
  const run: RunState = {
    opIndex: new Map(),
    addUpdate: (update) => batcher.add(update),
    flushUpdates: () => batcher.flush(),
  }
  return { run, batches }
}
