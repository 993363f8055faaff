/**
 * The reference server's wire shapes the benchmarks rely on (see examples/server/control.ts and
 * createServer.ts): CONTROL requests, and the frames a `blast` broadcasts.
 */

/** Message type of blasted frames when none is asked for. */
export const BLAST_TYPE = 'WIDGET_UPDATE'

let nextControlId = 0

/** The text of a CONTROL frame without an id (no reply is awaited), e.g. a blast. */
export const controlText = (data) => JSON.stringify({ type: 'CONTROL', data })

/** A CONTROL frame, e.g. `controlFrame({ op: 'blast', count: 1000, keys: 100 })`. */
export function controlFrame(data) {
  const id = `bench-${++nextControlId}`
  return { id, text: JSON.stringify({ type: 'CONTROL', id, data }) }
}

/**
 * The exact text the server sends for blast message `i` (key order included):
 * `{ type, data: { id: 'w-' + (i % keys), value: i, version: i + 1 }, seq, ts }`.
 */
export function blastFrameText(i, { keys = 100, messageType = BLAST_TYPE, seq = i + 1, ts = Date.now() } = {}) {
  return JSON.stringify({ type: messageType, data: { id: 'w-' + (i % keys), value: i, version: i + 1 }, seq, ts })
}

/** `count` blast frames as the server would send them, for in-process baselines. */
export function buildBlastFrames(count, options = {}) {
  const ts = Date.now()
  const frames = new Array(count)
  for (let i = 0; i < count; i++) frames[i] = blastFrameText(i, { ...options, ts: ts + (i >> 10) })
  return frames
}
