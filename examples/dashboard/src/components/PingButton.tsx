import { useState } from 'react'
import type { RealtimeError } from 'rtk-realtime'
import { useWebSocket } from 'rtk-realtime/react'
import { formatMs } from '../format'

type PingResult =
  | { kind: 'idle' }
  | { kind: 'waiting'; n: number }
  | { kind: 'ok'; n: number; roundTripMs: number }
  | { kind: 'error'; n: number; error: RealtimeError }

/**
 * "Ping server": `request('ECHO', { n, sentAt })` and the round trip the promise took. While the
 * socket is not open the request waits in the send buffer, and times out after
 * `websocket.REQUEST_TIMEOUT`.
 */
export function PingButton() {
  const { request } = useWebSocket()
  const [result, setResult] = useState<PingResult>({ kind: 'idle' })
  const [count, setCount] = useState(0)

  const ping = async () => {
    const n = count + 1
    setCount(n)
    setResult({ kind: 'waiting', n })
    const started = performance.now()
    try {
      const reply = await request('ECHO', { n, sentAt: Date.now() })
      const echoed = (reply.data as { n?: number } | undefined)?.n
      if (echoed !== n) throw { name: 'EchoMismatch', message: `echo carried n=${String(echoed)}, expected ${n}` }
      setResult({ kind: 'ok', n, roundTripMs: performance.now() - started })
    } catch (error) {
      setResult({ kind: 'error', n, error: error as RealtimeError })
    }
  }

  return (
    <div className="ping">
      <button id="ping-button" data-testid="ping-button" className="button button--accent" onClick={ping} disabled={result.kind === 'waiting'}>
        Ping server
      </button>
      <span id="ping-result" data-testid="ping-result" className={`ping__result ping__result--${result.kind}`} data-state={result.kind} aria-live="polite">
        {result.kind === 'idle' && 'ECHO round trip'}
        {result.kind === 'waiting' && `ping #${result.n}…`}
        {result.kind === 'ok' && `#${result.n}: ${formatMs(result.roundTripMs)} round trip`}
        {result.kind === 'error' && `#${result.n} failed: ${result.error.code ?? result.error.name}`}
      </span>
    </div>
  )
}
