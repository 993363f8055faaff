/**
 * Which heartbeat PING is waiting for its PONG, so latency is only ever a real round trip.
 *
 * A PONG counts only when it echoes the `data.ts` of the last PING sent on the current socket, and
 * only once. A PONG that echoes an older PING (held during an outage and answered late) would
 * measure the outage, not the link; one from a previous socket, or a server that echoes what it
 * likes, would measure nothing at all. Both are ignored for latency and liveness.
 *
 * Matching on `ts` is exact enough: two PINGs with the same `ts` were sent in the same millisecond,
 * so either PONG gives the same, true round trip.
 */
export interface PingLedger {
  /** Records the PING just sent (its `data.ts`); it replaces any PING still waiting. */
  sent(ts: number): void
  /**
   * Whether a PONG echoing `ts` answers the PING that is waiting. A match clears the ledger, so a
   * duplicate PONG does not count twice.
   */
  answer(ts: unknown): boolean
  /** Forgets the waiting PING: the socket it went out on is gone. */
  clear(): void
}

/** One ledger per saga run; each session's heartbeat writes to it and clears it when it ends. */
export function createPingLedger(): PingLedger {
  let waiting: number | null = null
  return {
    sent(ts) {
      waiting = ts
    },
    answer(ts) {
      if (waiting === null || ts !== waiting) return false
      waiting = null
      return true
    },
    clear() {
      waiting = null
    },
  }
}
