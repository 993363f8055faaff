/**
 * What the built-in adapters throw (or reject with) when the storage they need cannot be reached
 * here at all: no `localStorage` in Node, no `indexedDB`, an IndexedDB upgrade blocked by another
 * tab. `classifyStorageError` reports it as `STORAGE_UNAVAILABLE`, as it does a browser's
 * `SecurityError`.
 */
export class StorageUnavailableError extends Error {
  /**
   * @param message Full message, already prefixed with `rtk-realtime: `.
   * @param options `cause`: the error underneath, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StorageUnavailableError'
  }
}
