/**
 * The outbox: every op not yet confirmed (`usePendingOps()`: the per-key lanes ARE the outbox), and
 * beside it what is persisted in IndexedDB right now, read back from the database (see
 * ../persistedOutbox.ts). With `storage: 'indexeddb'` the ops survive a reload, also one made
 * offline; two tabs of one user (`?user=`) share the namespace: each tab delivers its own ops, and
 * takes over those of a tab that closes (Web Locks). Queue controls: pause / resume, and per op
 * "retry now" (an op waiting out its retry backoff) and "discard" (rolled back, reason `discarded`).
 */
import { useEffect, useRef, useState } from 'react'
import type { Op } from 'rtk-realtime'
import { usePendingOps, useSyncStatus } from 'rtk-realtime/react'
import { formatMs } from '../format'
import { readStoredOutbox, type StoredOutbox } from '../persistedOutbox'
import { realtime, useAppDispatch, useAppSelector, type RootState } from '../store'
import { useNow } from '../useNow'

/** How often the panel re-reads IndexedDB besides after each change of this page's outbox (other tabs write too). */
const POLL_MS = 1000

/** The op's args without the key (`{ value: 73 }`), compactly. */
export function describeArgs(args: unknown, key: string): string {
  if (args === null || typeof args !== 'object') return JSON.stringify(args) ?? ''
  const rest = Object.entries(args as Record<string, unknown>).filter(([field, value]) => !(field === 'id' && value === key))
  if (rest.length === 0) return '—'
  return rest.map(([field, value]) => `${field}: ${JSON.stringify(value)}`).join(', ')
}

const selectLanes = (state: RootState) => state[realtime.reducerPath].optimistic.lanes
const selectPaused = (state: RootState) => state[realtime.reducerPath].optimistic.paused

type Stored = StoredOutbox | { error: string } | null

/** The persisted records of this namespace: read after every change of the lanes, and every {@link POLL_MS}. */
function useStoredOutbox(namespace: string | null, readable: boolean): Stored {
  const lanes = useAppSelector(selectLanes)
  const [stored, setStored] = useState<Stored>(null)
  const sequence = useRef(0)
  const read = useRef<() => void>(() => {})
  // eslint-disable-next-line react-hooks/refs -- the latest reader for the effects below, which subscribe once; it sets state only when called from them
  read.current = () => {
    if (!readable || namespace === null) return
    const n = ++sequence.current
    readStoredOutbox(realtime.reducerPath, namespace).then(
      (result) => n === sequence.current && setStored(result),
      (error: unknown) => n === sequence.current && setStored({ error: error instanceof Error ? error.message : String(error) }),
    )
  }
  useEffect(() => {
    // A moment after the change: the package issues its write in the dispatch, and a read made
    // after it is ordered after it by IndexedDB.
    const timer = setTimeout(() => read.current(), 30)
    return () => clearTimeout(timer)
  }, [lanes, namespace, readable])
  useEffect(() => {
    const timer = setInterval(() => read.current(), POLL_MS)
    return () => clearInterval(timer)
  }, [])
  return readable ? stored : null
}

function OpRow({ op, now, stored }: { op: Op; now: number; stored: boolean | null }) {
  const dispatch = useAppDispatch()
  const waiting = op.retryAt !== undefined && op.retryAt > now
  return (
    <tr
      className={`op op--${op.status}`}
      data-testid="pending-op"
      data-op-id={op.opId}
      data-key={op.key}
      data-status={op.status}
      data-stored={stored === null ? undefined : String(stored)}
    >
      <td className="op__id" title={op.opId}>
        <code>{op.opId.slice(0, 8)}</code>
      </td>
      <td>{op.mutation}</td>
      <td>{op.key}</td>
      <td className="op__args">{describeArgs(op.args, op.key)}</td>
      <td>
        <span className={`pill pill--${op.status}`} title={op.lastError?.message}>
          {op.status}
        </span>
        {waiting ? <span className="op__retry"> retry in {formatMs(op.retryAt! - now)}</span> : null}
      </td>
      <td className="num">{op.attempts}</td>
      <td className="num">{formatMs(Math.max(0, now - op.createdAt))}</td>
      <td className="op__stored" title={stored === null ? 'Not read yet' : stored ? 'In IndexedDB' : 'Not (yet) in IndexedDB'}>
        {stored === null ? '…' : stored ? '✓' : '—'}
      </td>
      <td className="op__actions">
        {waiting ? (
          <button type="button" className="link-button" data-testid={`op-retry-${op.opId}`} onClick={() => dispatch(realtime.actions.retryNow(op.opId))}>
            retry now
          </button>
        ) : null}{' '}
        <button
          type="button"
          className="link-button"
          data-testid={`op-discard-${op.opId}`}
          title="Drop it from the outbox: rolled back (reason discarded)"
          onClick={() => dispatch(realtime.actions.discard(op.opId))}
        >
          discard
        </button>
      </td>
    </tr>
  )
}

function PersistedList({ stored, mine }: { stored: Stored; mine: ReadonlySet<string> }) {
  if (stored === null) return <p className="empty persisted__none">IndexedDB not read yet.</p>
  if ('error' in stored) {
    return (
      <p className="empty persisted__error" data-testid="persisted-error">
        Could not read IndexedDB: {stored.error}
      </p>
    )
  }
  // This page's owner id: the owner of a record this page holds. Records of other owners belong to
  // other open tabs of the same user (records of closed tabs are taken over, then owned here).
  const self = stored.ops.find((op) => mine.has(op.opId))?.owner
  const ownerOf = (op: StoredOutbox['ops'][number]) => (self !== undefined ? op.owner === self : mine.has(op.opId)) ? 'this' : 'other'
  const others = stored.ops.filter((op) => ownerOf(op) === 'other').length
  return (
    <div className="persisted" data-testid="persisted-ops" data-count={stored.ops.length} data-other={others} data-read-at={stored.readAt}>
      <p className="persisted__summary">
        In IndexedDB: <strong>{stored.ops.length}</strong> {stored.ops.length === 1 ? 'record' : 'records'}
        {others > 0 ? (
          <>
            {' '}
            · {stored.ops.length - others} this tab’s, {others} another open tab’s (that tab delivers {others === 1 ? 'it' : 'them'}; this one takes
            over if it closes)
          </>
        ) : null}
        {stored.unreadable > 0 ? <> · {stored.unreadable} unreadable</> : null}
      </p>
      {stored.ops.length > 0 ? (
        <ul className="persisted__list">
          {stored.ops.map((op) => (
            <li key={op.opId} className={`persisted__op persisted__op--${ownerOf(op)}`} data-testid="persisted-op" data-op-id={op.opId} data-key={op.key} data-owner={ownerOf(op)}>
              <code title={op.opId}>{op.opId.slice(0, 8)}</code> {op.mutation} {op.key} <span className="op__args">({describeArgs(op.args, op.key)})</span>
              {ownerOf(op) === 'other' ? <span className="pill pill--other" title={`Owner ${op.owner}`}>other tab</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

export function OutboxPanel() {
  const dispatch = useAppDispatch()
  const ops = usePendingOps()
  const { outbox } = useSyncStatus()
  const paused = useAppSelector(selectPaused)
  const now = useNow(200, ops.length > 0)
  const stored = useStoredOutbox(outbox.namespace, outbox.storage === 'indexeddb')
  const storedIds = stored && !('error' in stored) ? new Set(stored.ops.map((op) => op.opId)) : null
  const mine = new Set(ops.map((op) => op.opId))

  return (
    <div
      className="sync-panel sync-panel--ops"
      id="pending-ops"
      data-testid="pending-ops"
      data-count={ops.length}
      data-outbox-status={outbox.status}
      data-paused={String(paused)}
    >
      <header className="sync-panel__header">
        <h3>
          Outbox <span className="count">{ops.length}</span>
        </h3>
        <span className="card__meta" data-testid="outbox-meta">
          {outbox.storage ?? 'memory only'} · user “{outbox.namespace ?? '—'}” · {outbox.status}
          {paused ? ' · paused' : ''}
        </span>
        <button
          type="button"
          className="link-button"
          data-testid="outbox-pause"
          title={paused ? 'Send the queued ops again' : 'Hold every op (they stay queued, shown and persisted)'}
          onClick={() => dispatch(paused ? realtime.actions.resume() : realtime.actions.pause())}
        >
          {paused ? 'resume' : 'pause'}
        </button>
      </header>
      {outbox.lastError ? (
        <p className="notice notice--small" data-testid="outbox-error" title={outbox.lastError.message}>
          Storage failed: <code>{outbox.lastError.code ?? outbox.lastError.name}</code> {outbox.lastError.message}
        </p>
      ) : null}
      {ops.length === 0 ? (
        <p className="empty">Nothing waiting: every edit is confirmed.</p>
      ) : (
        <table className="ops">
          <thead>
            <tr>
              <th>op</th>
              <th>mutation</th>
              <th>key</th>
              <th>args</th>
              <th>status</th>
              <th className="num">attempts</th>
              <th className="num">age</th>
              <th title="In IndexedDB">stored</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {ops.map((op) => (
              <OpRow key={op.opId} op={op} now={now} stored={storedIds === null ? null : storedIds.has(op.opId)} />
            ))}
          </tbody>
        </table>
      )}
      {outbox.storage === 'indexeddb' ? <PersistedList stored={stored} mine={mine} /> : null}
      {outbox.setAside.length > 0 ? (
        <p className="empty" data-testid="outbox-set-aside">
          Set aside (unreadable records, kept in <code>{outbox.namespace}:set-aside</code>):{' '}
          {outbox.setAside.map((r) => `${r.key} (${r.reason})`).join(', ')}
        </p>
      ) : null}
    </div>
  )
}
