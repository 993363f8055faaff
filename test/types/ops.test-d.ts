import { describe, expectTypeOf, it } from 'vitest'
import {
  createRealtime,
  type Conflict,
  type Envelope,
  type Op,
  type OpLocation,
  type OpStatus,
  type OptimisticState,
  type RejectCode,
  type Rollback,
  type RollbackReason,
} from 'rtk-realtime'

const realtime = createRealtime({
  collections: { widgets: { updates: ['WIDGET_UPDATE'], validate: (value: unknown, key: string) => (value as { id?: string })?.id === key || 'wrong id' } },
  mutations: {
    updateWidget: { collection: 'widgets', message: 'WIDGET_UPDATE', apply: (w: { value: number } | null, a: { id: string; value: number }) => void (w && (w.value = a.value)) },
  },
})

describe('op model types (issue 6)', () => {
  it('op statuses, including acked and doubt', () => {
    expectTypeOf<OpStatus>().toEqualTypeOf<'queued' | 'sent' | 'acked' | 'manual' | 'doubt'>()
    expectTypeOf<Op['ackedVersion']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<Op['earlierUnanswered']>().toEqualTypeOf<boolean | undefined>()
  })

  it('rollback records say when they were not the whole truth', () => {
    expectTypeOf<Rollback['appliedAfterAll']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<RollbackReason['inDoubt']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<RollbackReason['code']>().toEqualTypeOf<'rejected' | 'retries_exhausted' | 'conflict' | 'manual' | 'discarded'>()
    expectTypeOf<Conflict['inFlight']>().toEqualTypeOf<string[] | undefined>()
  })

  it('the op index is part of the state', () => {
    expectTypeOf<OptimisticState['index']>().toEqualTypeOf<Record<string, Record<string, OpLocation>>>()
    expectTypeOf<OpLocation>().toEqualTypeOf<{ collection: string; key: string }>()
  })

  it('selectOpById reads one op', () => {
    expectTypeOf(realtime.selectors.selectOpById).parameters.toEqualTypeOf<[unknown, string]>()
    expectTypeOf(realtime.selectors.selectOpById).returns.toEqualTypeOf<Op | undefined>()
  })

  it('frames may carry the delivery number; answers are checked', () => {
    expectTypeOf<Envelope['attempt']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<'invalid_answer'>().toMatchTypeOf<RejectCode>()
    expectTypeOf<'unmatched_answer'>().toMatchTypeOf<RejectCode>()
  })

  it('ACK/NACK/timeout actions carry the delivery they answer', () => {
    const acked = realtime.actions.opAcked({ opId: 'a', collection: 'widgets', key: 'w-1', attempt: 2, version: 3, hasValue: false, at: 0 })
    expectTypeOf(acked.payload.attempt).toEqualTypeOf<number | undefined>()
    expectTypeOf(acked.payload.version).toEqualTypeOf<number>()
    const timedOut = realtime.actions.opTimedOut({ opId: 'a', collection: 'widgets', key: 'w-1', attempt: 1, at: 0 })
    expectTypeOf(timedOut.payload.attempt).toEqualTypeOf<number>()
  })
})
