import { useRef, type ReactNode } from 'react'
import { act } from '@testing-library/react'
import { vi } from 'vitest'
import { Provider } from 'react-redux'
import { RealtimeProvider } from '../../src/react'
import type { Realtime } from '../../src'
import { createSyncStore } from '../sync/support'

// The React hooks on the real path: a widget store (test/sync/support.ts) on a FakeWebSocket, the
// test playing the server's side of SYNC; every store change inside act(), so React sees it.

/** Every store made by a test is disconnected after it (see `stopStores`): no timer makes sockets later. */
const stores: Array<() => void> = []

/** Disconnects the stores made since the last call; call it in afterEach, after cleanup(). */
export function stopStores(): void {
  for (const stop of stores.splice(0)) stop()
}

/** Moves the fake clock `ms` ahead inside act(), running the timers due and the microtasks around them. */
export const advance = (ms: number) =>
  act(async () => {
    await vi.advanceTimersByTimeAsync(ms)
  })

/** Runs `fn` (which may deliver frames or dispatch) inside act(), letting the turn end. */
export const step = (fn: () => unknown) =>
  act(async () => {
    await fn()
    await Promise.resolve()
    await Promise.resolve()
  })

type SyncStoreOptions = NonNullable<Parameters<typeof createSyncStore>[0]>

/**
 * A sync store (no heartbeat; `BATCH_MODE: 'off'` unless `config.updates` says otherwise) and the
 * options of testing-library's `render`/`renderHook`: `wrap` (a wrapper with `<Provider>` and
 * `<RealtimeProvider>`, and the tree in `<StrictMode>` when `strict`).
 *
 * StrictMode goes through testing-library's `reactStrictMode`, which puts it at the root: a
 * `<StrictMode>` inside a `wrapper` double-renders but does not run effects twice on mount (React
 * 19 as testing-library mounts it), so a test would not see what StrictMode does to effects.
 */
export function setupHooks({ strict = false, ...options }: SyncStoreOptions & { strict?: boolean } = {}) {
  const t = createSyncStore(options)
  const realtime = t.realtime as unknown as Realtime<string>
  const wrapper = ({ children }: { children: ReactNode }) => (
    <Provider store={t.store}>
      <RealtimeProvider realtime={realtime}>{children}</RealtimeProvider>
    </Provider>
  )
  stores.push(() => t.store.dispatch(t.realtime.actions.disconnect()))
  return {
    ...t,
    wrapper,
    /** Options of `render` / `renderHook`: the wrapper, and StrictMode at the root when `strict`. */
    wrap: { wrapper, reactStrictMode: strict },
    /** Starts the store: the saga makes its socket, the socket opens and the first SYNC goes out. */
    start: async () => {
      await advance(0)
      await act(() => t.open())
    },
    /** Answers the last SYNC request inside act(). */
    answer: (data: unknown, type = 'SYNC') => act(() => t.reply(data, type)),
    /** Delivers frames inside act() and lets the turn end. */
    push: (...frames: unknown[]) => act(() => t.deliver(...frames)),
    /** Dispatches inside act(). */
    dispatch: (action: Parameters<typeof t.store.dispatch>[0]) => step(() => t.store.dispatch(action)),
  }
}

/** A snapshot SYNC reply with these widgets, at `seq`. */
export const snapshot = (widgets: Array<{ id: string; version: number } & Record<string, unknown>>, seq = 1) => ({
  snapshot: true,
  seq,
  messages: widgets.map((data) => ({ type: 'WIDGET_UPDATE', data })),
})

/** Runs `fn` with uncaught-error reports (React logs a render error to window) kept quiet. */
export function quietly<T>(fn: () => T): T {
  const quiet = (event: ErrorEvent) => event.preventDefault()
  window.addEventListener('error', quiet)
  try {
    return fn()
  } finally {
    window.removeEventListener('error', quiet)
  }
}

/** Wraps a hook so that it also reports how many times its component rendered. */
export function counted<T>(hook: () => T): () => { value: T; renders: number } {
  return () => {
    const renders = useRef(0)
    renders.current += 1
    return { value: hook(), renders: renders.current }
  }
}
