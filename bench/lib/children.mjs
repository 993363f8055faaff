/**
 * Every child process the bench starts (the reference server, variant hosts) is tracked here and
 * killed when the bench exits, even on an uncaught error or a signal.
 */

const children = new Set()

/** Tracks `child` until it exits. */
export function track(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Kills every tracked child still running, synchronously (for exit and signal handlers). */
export function killAllChildren() {
  for (const child of children) child.kill('SIGKILL')
}

/** Ends `child`: asks with `signal` (or lets it exit on its own when `signal` is null), kills after `graceMs`. */
export async function endChild(child, { signal = 'SIGTERM', graceMs = 3000 } = {}) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  if (signal) child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

process.on('exit', killAllChildren)
