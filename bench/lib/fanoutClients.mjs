/**
 * The fan-out bench's clients, all raw `ws` sockets in the variant's process: receivers count
 * every broadcast update they get (lib/fanoutProtocol.mjs `countUpdates`, a byte scan, so that
 * 100 receivers in one process stay cheaper than the server feeding them); the first `writers`
 * of them also send widget ops, keep `window` of them unanswered, parse every frame they get and
 * check that broadcast `seq`s arrive one after another, none missing, none twice.
 */
import { closeSocket, openSocket } from './wsClient.mjs'
import { countUpdates, opFrame } from './fanoutProtocol.mjs'

/** Sockets opened at once (a thousand handshakes in one go would time out on a busy machine). */
const OPEN_CHUNK = 100

/**
 * Opens `n` sockets, socket i to `urls[i % urls.length]` (so two instances get half each).
 * @returns {Promise<import('ws').WebSocket[]>}
 */
export async function openSockets(urls, n) {
  const sockets = []
  try {
    for (let from = 0; from < n; from += OPEN_CHUNK) {
      const chunk = Array.from({ length: Math.min(OPEN_CHUNK, n - from) }, (_, k) => openSocket(urls[(from + k) % urls.length]))
      sockets.push(...(await Promise.all(chunk)))
    }
  } catch (error) {
    await closeSockets(sockets)
    throw error
  }
  return sockets
}

/** Closes every socket (in parallel). */
export function closeSockets(sockets) {
  return Promise.all(sockets.map((ws) => closeSocket(ws)))
}

/** What one writer socket checks: broadcast `seq`s follow each other. */
function seqChecker(label) {
  let last = null
  return (seq) => {
    if (last !== null && seq !== last + 1) throw new Error(`${label}: broadcast seq ${seq} after ${last} (missing, reordered or duplicated)`)
    last = seq
  }
}

/**
 * Wires `sockets` for rounds of `ops` widget ops from the first `writers` sockets.
 * `round()` resolves with `{ producedMs, deliveredMs }`: ms from the first op sent until the last
 * ACK, and until every socket counted every broadcast of the round.
 */
export function createFanout(sockets, { writers, window, ops, label, timeoutMs = 120_000 }) {
  if (writers < 1 || writers > sockets.length) throw new Error(`fan-out: writers must be 1..${sockets.length}, got ${writers}`)
  const counts = new Array(sockets.length).fill(0)
  let target = 0
  let remaining = 0
  let current = null // the round under way: { resolve, reject, acked, next, producedAt, deliveredAt }
  let failure = null
  const opPrefix = `${label}-${process.pid}-`
  let rounds = 0

  const fail = (error) => {
    failure ??= error
    current?.reject(error)
  }
  const counted = (k, n) => {
    if (n === 0) return
    counts[k] += n
    if (counts[k] > target) return fail(new Error(`socket ${k} got ${counts[k]} updates, only ${target} were broadcast`))
    if (counts[k] === target && current && --remaining === 0) {
      current.deliveredAt = performance.now()
      finishIfDone()
    }
  }
  // A round is over once every socket counted every update and every op is answered: on Redis
  // an op's broadcast can reach its sender just before its ACK, so either may come last.
  const finishIfDone = () => {
    if (remaining === 0 && current.acked === ops) current.resolve()
  }
  const sendNext = (w) => {
    const i = current.next[w]
    if (i >= ops) return
    current.next[w] = i + writers
    sockets[w].send(opFrame(`${opPrefix}${rounds}-${i}`, i))
  }
  const onAnswer = (w, message) => {
    if (message.type !== 'ACK') return fail(new Error(`op ${message.replyTo} answered ${message.type}: ${JSON.stringify(message.data)}`))
    if (!current) return fail(new Error(`ACK ${message.replyTo} outside a round`))
    if (++current.acked === ops) {
      current.producedAt = performance.now()
      finishIfDone()
    }
    sendNext(w)
  }

  sockets.forEach((ws, k) => {
    ws.on('close', (code) => fail(new Error(`socket ${k} closed (${code}) during the bench`)))
    if (k >= writers) {
      ws.on('message', (data) => counted(k, countUpdates(data)))
      return
    }
    const checkSeq = seqChecker(`writer ${k}`)
    ws.on('message', (data) => {
      try {
        const message = JSON.parse(data)
        if (message.replyTo !== undefined) return onAnswer(k, message)
        const frames = message.type === 'BATCH' ? message.data : [message]
        for (const frame of frames) checkSeq(frame.seq)
        counted(k, frames.length)
      } catch (error) {
        fail(error)
      }
    })
  })

  return {
    /** Runs one round; rejects when a socket got more or fewer updates than were broadcast. */
    async round() {
      if (failure) throw failure
      const late = counts.findIndex((c) => c !== target)
      if (late !== -1) throw new Error(`socket ${late} got ${counts[late] - target} updates after the last round ended`)
      rounds++
      target += ops
      remaining = sockets.length
      const done = new Promise((resolve, reject) => {
        current = { resolve, reject, acked: 0, next: Array.from({ length: writers }, (_, w) => w), producedAt: 0, deliveredAt: 0 }
      })
      const round = current
      // A lost update or ACK must end the round with what is missing, not hang the bench.
      const timer = setTimeout(() => {
        const short = counts.filter((c) => c < target).length
        fail(new Error(`round ${rounds} timed out after ${timeoutMs} ms: ${round.acked} of ${ops} ops answered, ${short} sockets short of ${ops} updates`))
      }, timeoutMs)
      const t0 = performance.now()
      for (let w = 0; w < writers; w++) for (let k = 0; k < window; k++) sendNext(w)
      try {
        await done
      } finally {
        clearTimeout(timer)
        current = null
      }
      return { producedMs: round.producedAt - t0, deliveredMs: round.deliveredAt - t0 }
    },
  }
}
