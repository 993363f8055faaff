/**
 * One protocol frame, as DESIGN.md section 4 defines it: a JSON object with a string `type`.
 * Everything in it is plain data, so it can travel in actions and state.
 */
export interface Envelope<TData = unknown> {
  /** The message type, e.g. `WIDGET_UPDATE`, `ACK`, `PING`. */
  type: string
  /** Client-chosen id: the opId of a mutation or the id of a request (idempotency key). */
  id?: string
  /** Set on replies: the `id` of the message being answered. */
  replyTo?: string
  /** The payload. */
  data?: TData
  /** Server broadcast sequence number, increasing by one per broadcast. */
  seq?: number
  /** Sender's timestamp in milliseconds since the epoch. */
  ts?: number
  /**
   * Which delivery of an op this is (1, 2, …) on an op frame; on its ACK/NACK, the delivery the
   * server answers, when it echoes it.
   */
  attempt?: number
}
