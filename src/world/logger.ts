/** Where the package reports what it cannot put in state: saga crashes, misconfigured callbacks. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void
  info(message: string, ...details: unknown[]): void
  warn(message: string, ...details: unknown[]): void
  error(message: string, ...details: unknown[]): void
}

const noop = () => {}

/**
 * The default logger: warnings and errors on the console, debug and info silent. The console is
 * looked up on every call so a test can spy on it after the store was created.
 */
export const consoleLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (message, ...details) => globalThis.console?.warn(message, ...details),
  error: (message, ...details) => globalThis.console?.error(message, ...details),
}

/** A logger that says nothing, for tests and servers that log elsewhere. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }
