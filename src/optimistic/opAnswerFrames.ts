import type { UnknownAction } from '@reduxjs/toolkit'
import type { FrameHandler } from '../connection/frameHandler'
import type { ConnectionRuntime } from '../connection/runtime'
import type { Envelope } from '../protocol/envelope'
import { isPlainObject } from '../util/isPlainObject'
import { opById, rollbackOf } from './opLookup'
import type { OpsRuntime } from './opsRuntime'
import type { OptimisticState } from './types'

/** What an answer is checked against: its op, or the record of the op rolled back meanwhile. */
interface AnswerTarget {
  collection: string
  key: string
  /** Deliveries made, when the op is still pending. */
  attempts?: number
}

function targetOf(optimistic: OptimisticState, opId: string): AnswerTarget | undefined {
  return opById(optimistic, opId) ?? rollbackOf(optimistic, opId)
}

/**
 * The op answers' link of the inbound chain: an `ACK` or `NACK` whose `replyTo` names an op.
 * An answer is checked against the op before it is trusted (DESIGN.md section 4): an ACK must be
 * for the op's key, carry a version, and a value that passes the collection's check; a delivery
 * number it echoes must be one that was made. A failed check, or an answer that names no op (nor
 * a request: their link comes first), becomes `messageRejected`, never a confirmation; one that
 * names an op confirmed lately is a late duplicate, ignored.
 */
export function createOpAnswerHandler(rt: ConnectionRuntime, ops: OpsRuntime): FrameHandler {
  const reject = (code: 'invalid_answer' | 'unmatched_answer', reason: string, message: Envelope, at: number) =>
    rt.actions.messageRejected({ code, reason: `rtk-realtime: ${reason}`, type: message.type, at })

  return (message, receivedAt, { dispatch, getState }) => {
    const { type, replyTo: opId } = message
    if ((type !== 'ACK' && type !== 'NACK') || opId === undefined) return false
    const { optimistic } = ops.selectData(getState())
    const target = targetOf(optimistic, opId)
    if (!target) {
      // A late or duplicate answer to an op confirmed lately is harmless: nothing to do, nothing to report.
      if (!optimistic.recentlyConfirmed.includes(opId)) {
        dispatch(reject('unmatched_answer', `${type} for "${opId}" matches no pending op, recent op or request (a server bug?); ignored`, message, receivedAt))
      }
      return true
    }
    const { collection, key } = target
    const where = `${type} for op ${opId} (${collection}/${key})`
    const { attempt } = message
    if (attempt !== undefined && target.attempts !== undefined && attempt > target.attempts) {
      dispatch(reject('invalid_answer', `${where} answers delivery ${attempt}, but only ${target.attempts} were made`, message, receivedAt))
      return true
    }
    const echo = attempt === undefined ? {} : { attempt }
    const data = message.data
    let action: UnknownAction
    if (type === 'NACK') {
      const { reason, retryable } = (isPlainObject(data) ? data : {}) as { reason?: unknown; retryable?: unknown }
      action = ops.actions.opNacked({
        opId, collection, key, ...echo,
        reason: typeof reason === 'string' ? reason : 'no reason given',
        retryable: retryable === true,
        ...(retryable === true ? { random: rt.random() } : {}),
        at: receivedAt,
      })
    } else {
      const fault = ackFault(data, key, (value) => ops.valueChecks.get(collection)?.(value, key) ?? true)
      if (fault !== undefined) {
        dispatch(reject('invalid_answer', `${where} refused: ${fault}${target.attempts === undefined ? '' : '; the op stays pending'}`, message, receivedAt))
        return true
      }
      const ack = data as { version: number; value?: unknown }
      const hasValue = Object.hasOwn(ack, 'value')
      action = ops.actions.opAcked({ opId, collection, key, ...echo, version: ack.version, ...(hasValue ? { value: ack.value } : {}), hasValue, at: receivedAt })
    }
    dispatch(action)
    return true
  }
}

/** Why an ACK's `data` cannot be trusted for the op on `key`, or undefined when it can. */
function ackFault(data: unknown, key: string, check: (value: unknown) => true | string): string | undefined {
  if (!isPlainObject(data)) return 'data must be an object { key, version, value? }'
  if (data.key !== key) return `data.key ${data.key === undefined ? 'is missing' : `${JSON.stringify(data.key)} is not the op's key`} (expected ${JSON.stringify(key)})`
  const { version } = data
  if (typeof version !== 'number' || !Number.isFinite(version) || !(version > 0)) return `data.version must be a finite number above 0 (got ${JSON.stringify(version) ?? 'undefined'})`
  if (!Object.hasOwn(data, 'value') || data.value === null) return undefined
  const verdict = check(data.value)
  return verdict === true ? undefined : `data.value: ${verdict}`
}
