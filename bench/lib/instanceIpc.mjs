/**
 * The parent's line to a fan-out server instance (lib/fanoutInstance.mjs, lib/rawRelay.mjs): the
 * instance announces `{ ready, url }` over IPC, then answers `{ cmd: 'usage' }` with its CPU time
 * and, after a full GC (it runs with --expose-gc), its RSS, so per-op CPU and per-connection
 * memory come from the server process itself rather than from /proc tick counts.
 */

/** Instance side: tells the parent `url` and answers usage queries until the IPC channel closes. */
export function serveUsage(url) {
  process.on('message', (message) => {
    if (message?.cmd !== 'usage') return
    if (message.gc) globalThis.gc?.()
    const { user, system } = process.cpuUsage()
    process.send({ usage: { cpuUs: user + system, rss: process.memoryUsage.rss() } })
  })
  // The bench ends an instance by closing the channel (or SIGTERM); either way it goes.
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: true, url })
}

/** Parent side: `{ cpuUs, rss }` of the instance behind `child` (RSS after a GC when `gc`). */
export function queryUsage(child, { gc = false } = {}) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (!message?.usage) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message.usage)
    }
    const onExit = (code) => reject(new Error(`the server instance exited (code ${code}) before answering a usage query`))
    child.on('message', onMessage)
    child.once('exit', onExit)
    child.send({ cmd: 'usage', gc })
  })
}
