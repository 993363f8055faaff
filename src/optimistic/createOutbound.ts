import type { Envelope } from '../protocol/envelope'
import type { ConnectionRuntime } from '../connection/runtime'

/** What `outbound.onUpdate` receives: the op messages of one batch, in send order. */
export type OutboundBatch = Envelope[]

/** How ops leave the client. */
export interface OutboundOptions {
  /**
   * Write the op messages of one batch window (`updates.BATCH_SIZE` messages or
   * `updates.BATCH_DELAY` ms, whichever first) as a single frame `{ type: 'BATCH', data: [...] }`.
   * The server must unpack it; each op is still ACKed or NACKed on its own.
   * @default false
   */
  batch?: boolean
  /**
   * Hand each batch of op messages to this function instead of the socket (e.g. to POST them).
   * Ops are then delivered whether or not the socket is open, and a socket close does not re-queue
   * them: an unanswered one times out (`optimistic.TIMEOUT`) and goes again. Settle them with
   * ACK/NACK frames on the socket, with broadcasts carrying their opIds, or with
   * `confirm(opId)`/`rollback(opId)`. A handler that throws or rejects counts as a retryable NACK
   * for each op of the batch: they are delivered again until their retries are spent.
   */
  onUpdate?: (batch: OutboundBatch) => void | Promise<void>
}

/** A sink for op messages: `deliver` takes a batch, `flush` writes what waits, `dispose` drops the timer. */
export interface Outbound {
  deliver(messages: Envelope[]): void
  /**
   * Drops the messages waiting for their window that `keep` refuses: a delivery whose op was
   * answered, rolled back or timed out meanwhile must not go out late.
   */
  prune(keep: (message: Envelope) => boolean): void
  /** Messages wait for their window. */
  readonly waiting: boolean
  flush(): void
  dispose(): void
}

/**
 * Builds the sink op messages go through. Without batching each message is a frame of its own;
 * with it, messages wait for the window and go out as one `BATCH` frame; with `onUpdate`, the
 * user's function gets each batch.
 */
export function createOutbound(
  rt: ConnectionRuntime,
  options: OutboundOptions,
  write: (text: string) => void,
  onFailure: (messages: Envelope[], error: unknown) => void,
): Outbound {
  const { BATCH_SIZE, BATCH_DELAY } = rt.config.updates
  const handOver = (messages: Envelope[]) => {
    if (options.onUpdate) {
      try {
        const done = options.onUpdate(messages)
        if (done && typeof (done as Promise<void>).then === 'function') {
          ;(done as Promise<void>).then(undefined, (error: unknown) => onFailure(messages, error))
        }
      } catch (error) {
        onFailure(messages, error)
      }
    } else if (options.batch) {
      write(rt.codec.encode({ type: 'BATCH', data: messages }))
    } else {
      for (const message of messages) write(rt.codec.encode(message))
    }
  }
  if (!options.batch && !options.onUpdate) {
    return { deliver: handOver, prune() {}, waiting: false, flush() {}, dispose() {} }
  }
  let waiting: Envelope[] = []
  let timer: unknown
  const flush = () => {
    if (timer !== undefined) rt.timers.clearTimeout(timer)
    timer = undefined
    if (waiting.length === 0) return
    const messages = waiting
    waiting = []
    handOver(messages)
  }
  return {
    deliver(messages) {
      for (const message of messages) {
        waiting.push(message)
        if (waiting.length >= BATCH_SIZE) flush()
      }
      if (waiting.length > 0 && timer === undefined) timer = rt.timers.setTimeout(flush, BATCH_DELAY)
    },
    prune(keep) {
      waiting = waiting.filter(keep)
    },
    get waiting() {
      return waiting.length > 0
    },
    flush,
    dispose() {
      if (timer !== undefined) rt.timers.clearTimeout(timer)
      timer = undefined
      waiting = []
    },
  }
}
