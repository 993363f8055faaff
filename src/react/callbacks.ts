import { useEffect, useLayoutEffect, useRef } from 'react'

/**
 * `useLayoutEffect` in the browser, `useEffect` where there is no `window` (server rendering warns
 * about layout effects on React 18; the refs it updates only matter in the browser).
 *
 * @internal
 */
export const useIsomorphicLayoutEffect = typeof window !== 'undefined' ? useLayoutEffect : useEffect

/**
 * A ref that always holds the latest `value` (updated after each commit, before passive effects
 * and store notifications), so a subscription made once can call the latest callbacks without
 * resubscribing.
 *
 * @internal
 */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value)
  useIsomorphicLayoutEffect(() => {
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
  if (typeof report === 'function') {
    report(error)
  } else {
    setTimeout(() => {
      throw error
    }, 0)
  }
}
