/**
 * Thrown when a configuration option is unknown or has an invalid value. Extends `TypeError`
 * because every such problem is a wrong value handed to the library, not a runtime failure.
 */
export class RealtimeConfigError extends TypeError {
  /** Dotted path of the offending option, e.g. `'websocket.URL'` or `'environments.test.updates'`; `''` for the whole input. */
  readonly option: string
  /** The value that was rejected, as given. */
  readonly value: unknown

  /**
   * @param message Full message, already prefixed with `rtk-realtime: `.
   * @param option Dotted path of the offending option.
   * @param value The rejected value.
   */
  constructor(message: string, option: string, value: unknown) {
    super(message)
    this.name = 'RealtimeConfigError'
    this.option = option
    this.value = value
  }
}
