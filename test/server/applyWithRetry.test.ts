import { describe, expect, it } from 'vitest'
import { applyWithRetry, MAX_ROUNDS } from '../../examples/server/redis/applyWithRetry'
import { OpRejection } from '../../examples/server/ops'
import type { ApplyResult, Change, RedisStore, StoredRead } from '../../examples/server/redis/redisStore'

/** A store whose widget another instance moves on `staleRounds` times before the apply lands. */
function fakeStore(staleRounds: number) {
  let version = 1
  const applied: Change[] = []
  const store = {
    read: async (_opId: string | undefined, id: string): Promise<StoredRead> => ({ ack: undefined, widget: { version, entity: { id, version } } }),
    apply: async (change: Change): Promise<ApplyResult> => {
      if (staleRounds > 0) {
        staleRounds -= 1
        version += 1 // the other instance got there first
        return { kind: 'stale' }
      }
      applied.push(change)
      return { kind: 'applied', seq: 7 }
    },
  }
  return { store: store as unknown as RedisStore, applied }
}

const planFrom = ({ widget }: StoredRead): Change => ({
  opId: 'op-1',
  widgetId: 'w-1',
  expectedVersion: widget.version,
  entity: { id: 'w-1' },
  ack: null,
  broadcastType: 'WIDGET_UPDATE',
  broadcastData: null,
  ts: 0,
})

describe('applyWithRetry: the compare-and-set loop of the Redis path', () => {
  it('recomputes from a fresh read after each stale apply, and settles with the change that landed', async () => {
    const { store, applied } = fakeStore(3)
    const settled = await applyWithRetry(store, 'op-1', 'w-1', planFrom, (result, change) => ({ result, expected: change.expectedVersion }))
    expect(settled).toEqual({ result: { kind: 'applied', seq: 7 }, expected: 4 })
    expect(applied.map((change) => change.expectedVersion)).toEqual([4])
  })

  it('resolves undefined without applying when the plan has nothing to apply', async () => {
    const { store, applied } = fakeStore(0)
    expect(await applyWithRetry(store, undefined, 'w-1', () => undefined, () => 'settled')).toBeUndefined()
    expect(applied).toEqual([])
  })

  it(`gives up after ${MAX_ROUNDS} stale rounds with a retryable OpRejection naming the widget`, async () => {
    const { store, applied } = fakeStore(Infinity)
    const failure = applyWithRetry(store, 'op-1', 'w-1', planFrom, () => 'settled')
    await expect(failure).rejects.toBeInstanceOf(OpRejection)
    await expect(failure).rejects.toMatchObject({ retryable: true, message: `widget w-1 kept changing on other instances (${MAX_ROUNDS} tries)` })
    expect(applied).toEqual([])
  })
})
