import { buffers, eventChannel, type EventChannel } from 'redux-saga'
import type { FrameHandler } from '../connection/frameHandler'

/** Follows the `seq` of inbound frames, to find broadcasts the client missed. */
export interface SeqTracker {
  /**
   * The inbound link: first in the chain, it reads every frame's `seq` and passes the frame on
   * (it never handles one). A number compare per frame, no allocation, no dispatch.
   */
  handler: FrameHandler
  /** Emits once per gap found (`seq` above the last contiguous one + 1) while the tracker is live. */
  gaps: EventChannel<true>
  /**
   * A SYNC is about to be sent: returns its `since` (the last seq seen contiguously, 0 when none is
   * known) and holds tracking until {@link settle}: frames that arrive meanwhile are noted, not judged.
   */
  begin(): number
  /**
   * The SYNC reply says the client now has everything up to `seq`. Frames noted meanwhile that
   * continue it without a hole move the mark further; returns true when they leave a hole (a new
   * SYNC since the returned mark is needed).
   */
  settle(seq: number): boolean
  /** The socket closed: until the next SYNC's reply, frames are noted, not judged. */
  hold(): void
  /** The last seq seen contiguously (0 when unknown). */
  readonly last: number
}

/**
 * The seq tracker of one saga run. Live, each frame with `seq` is compared with the last one:
 * `last + 1` moves the mark, lower or equal is an old or repeated frame (harmless: versions guard
 * the data; a restarted server is caught by the SYNC after its reconnect), higher is a gap, reported
 * once on `gaps` until the next SYNC. Held (before the first SYNC reply, while one is on its way,
 * after a close), it notes the run of contiguous seqs seen, so that frames that overtook the reply
 * cause no false gap and no SYNC loop.
 */
export function createSeqTracker(): SeqTracker {
  let last = 0
  let live = false
  let gapReported = false
  // While held: the highest seq seen, and where the contiguous run that ends at it starts.
  let maxSeen = 0
  let runFrom = 0
  let report: (gap: true) => void = () => {}
  const gaps = eventChannel<true>((emit) => {
    report = emit
    return () => {
      report = () => {}
    }
  }, buffers.sliding<true>(1))

  const hold = () => {
    if (!live) return
    live = false
    maxSeen = 0
    runFrom = 0
  }

  const handler: FrameHandler = (message) => {
    const seq = message.seq
    if (seq === undefined) return false
    if (live) {
      if (seq === last + 1) last = seq
      else if (seq > last && !gapReported) {
        gapReported = true
        report(true)
      }
    } else if (seq > maxSeen) {
      if (maxSeen === 0 || seq !== maxSeen + 1) runFrom = seq
      maxSeen = seq
    }
    return false
  }

  return {
    handler,
    gaps,
    hold,
    begin() {
      hold()
      gapReported = false
      return last
    },
    settle(seq) {
      live = true
      gapReported = false
      // Everything up to `seq` is in the reply (also when it is below our mark: a restarted server
      // counts from low again, and its seq is the mark now).
      if (maxSeen <= seq) last = seq
      // What came meanwhile continues the reply without a hole.
      else if (runFrom <= seq + 1) last = maxSeen
      else {
        last = seq
        // The caller asks again at once; the frames until then need no second report.
        gapReported = true
        return true
      }
      return false
    },
    get last() {
      return last
    },
  }
}
