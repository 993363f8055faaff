import { vi } from 'vitest'
import { createUpdateBatcher } from '../../src/batching/createUpdateBatcher'
import type { CoalescedUpdate, EntityUpdate, FlushStats, UpdateBatcherOptions } from '../../src/batching/types'
import type { TimerProvider } from '../../src/world/timers'

/** A hand-rolled TimerProvider: time moves only in `advance`, timers fire in due order. */
export function fakeTimers() {
  let now = 0
  let nextId = 1
  const due = new Map<number, { at: number; callback: () => void }>()
  const timers: TimerProvider = {
    setTimeout(callback, ms) {
      const id = nextId++
      due.set(id, { at: now + ms, callback })
      return id
    },
    clearTimeout(handle) {
      due.delete(handle as number)
    },
    now: () => now,
  }
  return {
    timers,
    advance(ms: number) {
      const end = now + ms
      for (;;) {
        let next: [number, { at: number; callback: () => void }] | undefined
        for (const entry of due) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry
        if (next === undefined) break
        due.delete(next[0])
        now = next[1].at
        next[1].callback()
      }
      now = end
    },
    count: () => due.size,
  }
}

/** A fake requestAnimationFrame: `frame()` runs the callbacks requested so far. */
export function fakeFrames() {
  let nextId = 1
  const requested = new Map<number, () => void>()
  return {
    requestAnimationFrame: vi.fn((callback: () => void) => {
      requested.set(nextId, callback)
      return nextId++
    }),
    cancelAnimationFrame: vi.fn((handle: unknown) => {
      requested.delete(handle as number)
    }),
    frame() {
      const callbacks = [...requested.values()]
      requested.clear()
      for (const callback of callbacks) callback()
    },
    count: () => requested.size,
  }
}

export type Flush = { updates: CoalescedUpdate[]; stats: FlushStats }

/** A batcher on fake timers that records its flushes. */
export function setup(options: Partial<UpdateBatcherOptions> = {}) {
  const clock = fakeTimers()
  const flushes: Flush[] = []
  const batcher = createUpdateBatcher({
    mode: 'window',
    size: 50,
    delay: 200,
    deduplicate: true,
    timers: clock.timers,
    onFlush: (updates, stats) => flushes.push({ updates, stats }),
    ...options,
  })
  return { batcher, clock, flushes }
}

export const u = (key: string, version: number, extra: Partial<EntityUpdate> = {}): EntityUpdate => ({
  collection: 'widgets',
  key,
  version,
  value: { key, version },
  ...extra,
})

