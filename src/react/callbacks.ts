import { shallowEqual, useEffect, useInsertionEffect, useRef, useStore } from './peers'
import type { Realtime } from '../createRealtime'

/**
 * A ref that always holds the latest `value` (updated in each commit, before layout and passive
 * effects and store notifications), so a subscription made once can call the latest callbacks
 * without resubscribing. An insertion effect: it runs before the others, in React 18 and 19, and
 * is silent in server rendering (a layout effect warns there on React 18).
 *
 * @internal
 */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value)
  useInsertionEffect(() => {
    ref.current = value
  })
  return ref
}

/**
 * Reports an error thrown by a user callback the way an uncaught error is reported (window
 * `error` event, console), without throwing into the dispatch that triggered the callback: that
 * dispatch may be the socket saga's, which must keep running.
 *
 * @internal
 */
export function reportCallbackError(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError
  if (report) report(error)
  // Node has no reportError: a throw from a timer reaches 'uncaughtException' as a page's reaches window.onerror.
  else
    setTimeout(() => {
      throw error
    })
}

/** A callback to call: its name in the options and its arguments; `false` for none. */
export type CallbackCall<Options> = { [K in keyof Options]-?: NonNullable<Options[K]> extends (...args: infer A) => unknown ? [K, ...A] : never }[keyof Options] | false

/**
 * Calls the user's callbacks (`options`, the latest ones) on the transitions `changes(before, next, root)`
 * finds between two values of `select(rootState)`, read from the store on every dispatch, not from
 * renders, so none is missed when several happen between two renders.
 *
 * The first `before` is `rendered` (what the component first rendered), so a transition between
 * that render and the subscription is reported too, and the state it mounted with is not. It lives
 * in a ref: StrictMode's second effect run does not report a transition again. Each new value is
 * the baseline before any callback runs: a callback that dispatches (and so runs the check again)
 * cannot get a transition reported twice. A callback that throws is reported, not rethrown.
 * Returns the ref of the latest options, for the callbacks called otherwise.
 *
 * @internal
 */
export function useTransitions<S, Options>(
  realtime: Realtime<string>,
  options: Options,
  select: (root: unknown) => S,
  rendered: S,
  changes: (before: S, next: S, root: unknown) => Array<CallbackCall<Options>>,
): { readonly current: Options } {
  const store = useStore()
  const callbacks = useLatest(options)
  const seenRef = useRef<{ store: unknown; realtime: unknown; value: S } | null>(null)
  useEffect(() => {
    if (seenRef.current?.store !== store || seenRef.current.realtime !== realtime) seenRef.current = { store, realtime, value: rendered }
    const baseline = seenRef.current
    const check = () => {
      const root = store.getState()
      const next = select(root)
      // Most dispatches (every inbound frame) change nothing these callbacks watch.
      if (shallowEqual(next, baseline.value)) return
      const calls = changes(baseline.value, next, root)
      baseline.value = next
      for (const call of calls) {
        try {
          if (call) (callbacks.current[call[0]] as ((...args: unknown[]) => void) | undefined)?.(...call.slice(1))
        } catch (error) {
          reportCallbackError(error)
        }
      }
    }
    check()
    return store.subscribe(check)
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `rendered` is only the baseline of a new store; later renders must not resubscribe (`callbacks` is a ref, `select` and `changes` read nothing of the render but `realtime`).
  }, [store, realtime])
  return callbacks
}
