import { useEffect, useState } from 'react'

/** The wall clock, re-read every `intervalMs` while `active`; for countdowns and "ago" labels. */
export function useNow(intervalMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return undefined
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the clock is the outside world this effect syncs with: read it at once when the countdown starts
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs, active])
  return now
}
