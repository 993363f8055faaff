import type { Envelope } from '../protocol/envelope'
import type { Logger } from '../world/logger'
import type { OpsRuntime, RunState } from './opsRuntime'

/**
 * `outbound.onUpdate` threw or rejected: each op of the batch is answered like a retryable NACK,
 * so it is delivered again until its retries are spent. Never throws.
 */
export function reportOutboundFailure(run: RunState, ops: OpsRuntime, messages: Envelope[], error: unknown, at: number, logger: Logger): void {
  const reason = `outbound.onUpdate failed: ${error instanceof Error ? error.message : String(error)}`
  if (!run.store) {
    logger.error(`rtk-realtime: ${reason}`)
    return
  }
  for (const message of messages) {
    const ref = message.id === undefined ? undefined : run.opIndex.get(message.id)
    if (ref) run.store.dispatch(ops.actions.opNacked({ ...ref, reason, retryable: true, at }))
  }
}
