import type { TimerProvider } from '../world/timers'

/** One inbound change to one entity, as the socket layer decodes it. */
export interface EntityUpdate {
  /** The collection the entity belongs to, e.g. `'widgets'`. */
  collection: string
  /** The entity's key within its collection. */
  key: string
  /** The server's version of the entity after this change; higher is newer. */
  version: number
  /** The entity's new value; `null` when it was deleted. */
  value: unknown
  /** True when the change deleted the entity. */
  deleted?: boolean
  /** The op this change confirms, when the server's broadcast carries one. */
  opId?: string
}

/** What a flush hands over: one update per entity key (with de-duplication) and the op ids it absorbed. */
export interface CoalescedUpdate extends EntityUpdate {
  /**
   * Every opId seen for this key in the batch, in arrival order, without repeats: also those of
   * updates dropped as older or duplicate, because each still confirms its op. Set whenever at least
   * one such opId exists (so a consumer can read `opIds` alone); absent when there is none.
   */
  opIds?: string[]
}

/**
 * When a batch is flushed:
 * - `'auto'`: low latency while the stream is light, the window while it is busy. The first add to
 *   an idle batcher schedules a *leading flush* on the next macrotask (`timers.setTimeout(cb, 0)`), so
 *   everything one socket read delivered is flushed together and a lone update waits about 1 ms. A
 *   leading flush of `size` or more received updates marks the stream *busy*: the next batch is
 *   flushed `delay` ms after its first add, with no size trigger. After that window the next batch is
 *   a leading flush again, which decides afresh; a pause of `delay` ms also ends a busy spell.
 * - `'window'`: when `size` updates were added or `delay` ms after the batch's first add, whichever first;
 * - `'raf'`: on the next animation frame, whatever the count (`size` is ignored): one flush per frame;
 * - `'off'`: synchronously on every add (one update per flush).
 */
export type BatchMode = 'auto' | 'window' | 'raf' | 'off'

/** Counts of one flush. */
export interface FlushStats {
  /** Updates added to this batch, duplicates included. */
  received: number
  /** Updates folded into another one for the same key (`received` minus the updates handed over). */
  coalesced: number
}

/** Options of {@link createUpdateBatcher}. */
export interface UpdateBatcherOptions {
  /** When batches are flushed; see {@link BatchMode}. The package default is `'auto'`. */
  mode: BatchMode
  /**
   * `'window'`: flush once this many updates were added, counting every add (coalesced duplicates
   * too), so a burst on one key cannot hold a batch open forever. `'auto'`: a leading flush of this
   * many received updates or more switches to the busy window (and, only with `delay: Infinity`, it
   * is also the size trigger). Ignored in `'raf'` and `'off'` modes. An integer >= 1, or `Infinity`.
   * The package default is `config.updates.BATCH_SIZE` (50).
   */
  size: number
  /**
   * `'window'` mode, and `'auto'` while busy: flush this many ms after the first add of a batch;
   * `Infinity` leaves only the size trigger. In `'auto'` it is also the pause after which a busy
   * stream counts as idle again. Ignored in the other modes. The package default is
   * `config.updates.BATCH_DELAY` (200).
   */
  delay: number
  /**
   * `true`: keep one update per (collection, key): the highest version wins; on equal versions the
   * first is kept and later ones are dropped as duplicates; the opIds of all are merged.
   * `false`: keep every update in arrival order (still one flush per window).
   * The package default is `config.updates.DEDUPLICATION` (true).
   */
  deduplicate: boolean
  /** Clock and timers of the window (and of the `'raf'` fallback). */
  timers: TimerProvider
  /**
   * Schedules the `'raf'` flush. Injected so tests (and non-browser hosts) control frames.
   * @default undefined (a 16 ms timer on `timers` stands in)
   */
  requestAnimationFrame?: (callback: () => void) => unknown
  /**
   * Cancels a frame requested by `requestAnimationFrame`. Without it an early flush cannot cancel its
   * frame; the frame then fires harmlessly (it flushes whatever is pending by then, possibly nothing).
   * @default undefined
   */
  cancelAnimationFrame?: (handle: unknown) => void
  /**
   * Receives each batch: updates in the order their keys were first seen in the batch (not sorted:
   * sorting would cost O(n log n) per flush for an order nobody needs). The array is the consumer's
   * to keep; the batcher starts a fresh one. Never called with an empty batch.
   */
  onFlush: (updates: CoalescedUpdate[], stats: FlushStats) => void
  /**
   * Receives what `onFlush` throws, with the batch it was given. When absent, the throw propagates
   * to whoever triggered the flush: `add()` (size reached, `'off'` mode), `flush()`, or the timer /
   * frame callback (where the host reports it as uncaught). Either way the batcher has already
   * reset to an empty batch before `onFlush` ran, so it stays usable; the failed batch is not
   * retried, because `onFlush` may have applied part of it.
   * @default undefined
   */
  onError?: (error: unknown, updates: CoalescedUpdate[]) => void
}

/** The inbound coalescing processor; see {@link createUpdateBatcher}. */
export interface UpdateBatcher {
  /** Adds one update to the current batch; O(1). Ignored after `dispose()`. */
  add(update: EntityUpdate): void
  /** Flushes the current batch now (if it holds anything) and cancels its timer or frame. */
  flush(): void
  /** How many updates the next flush would hand over (after coalescing). */
  pending(): number
  /**
   * Cancels the timer or frame and discards the pending updates (call `flush()` first to deliver
   * them). Later `add()` calls are ignored, so a message that arrives while a socket is torn down
   * cannot throw or resurrect a timer.
   */
  dispose(): void
}
