import type { MaybePromise } from './storage/OutboxStorage'

/** How a write ended, for the caller to report. */
export interface WriteReport {
  ok(): void
  failed(thrown: unknown, opId: string | undefined): void
}

const isThenable = (value: unknown): value is PromiseLike<void> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'

/**
 * Runs storage writes as soon as they are asked for (a synchronous adapter has written before the
 * dispatch returns), keeping the writes of one key in order when an asynchronous adapter is
 * still busy with an earlier one: a delete never overtakes the put before it. A `barrier` runs
 * after every write started before it (clearing a namespace must not be undone by a late put).
 */
export function createWriteQueue(report: WriteReport) {
  const busy = new Map<string, Promise<void>>()

  function settle(id: string, opId: string | undefined, result: MaybePromise<void>): void {
    if (!isThenable(result)) return report.ok()
    const done = Promise.resolve(result).then(
      () => report.ok(),
      (thrown: unknown) => report.failed(thrown, opId),
    ).finally(() => {
      if (busy.get(id) === done) busy.delete(id)
    })
    busy.set(id, done)
  }

  function start(id: string, opId: string | undefined, task: () => MaybePromise<void>): void {
    try {
      settle(id, opId, task())
    } catch (thrown) {
      report.failed(thrown, opId)
    }
  }

  return {
    /** Runs `task` now, or after the pending write of the same `id`. */
    run(id: string, opId: string | undefined, task: () => MaybePromise<void>): void {
      const before = busy.get(id)
      if (!before) return start(id, opId, task)
      const after = before.then(() => start(id, opId, task))
      busy.set(id, after)
      void after.finally(() => {
        if (busy.get(id) === after) busy.delete(id)
      })
    },
    /** Runs `task` once every write started so far has ended. */
    barrier(id: string, task: () => MaybePromise<void>): void {
      if (busy.size === 0) return start(id, undefined, task)
      const all = Promise.all(busy.values()).then(() => start(id, undefined, task))
      busy.set(id, all)
    },
  }
}
