/** The subset of the WebSocket API the package uses; the browser's, `ws`'s and msw's all fit. */
/* eslint-disable @typescript-eslint/no-explicit-any -- each implementation types its events differently; `any` lets all of them fit */
export interface WebSocketLike {
  readonly readyState: number
  onopen: ((event: any) => unknown) | null
  onmessage: ((event: any) => unknown) | null
  onclose: ((event: any) => unknown) | null
  onerror: ((event: any) => unknown) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A WebSocket constructor: `globalThis.WebSocket`, `ws`'s `WebSocket`, or a test double. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike

/** `readyState` of an open socket (the same constant in every implementation). */
export const SOCKET_OPEN = 1

/** The global WebSocket, looked up when a connection starts; undefined on Node 20. */
export function globalWebSocket(): WebSocketConstructor | undefined {
  const ctor = (globalThis as { WebSocket?: unknown }).WebSocket
  return typeof ctor === 'function' ? (ctor as WebSocketConstructor) : undefined
}

/**
 * Whether a constructor is Node's `ws` client (or a subclass), whose third argument is an options
 * object: `new WebSocket(url, protocols, { maxPayload })`. Told by its API, not its name: `ws`'s
 * sockets have `ping()` and `terminate()`, which the browser's, undici's (Node 22's global) and
 * msw's do not. Those take `(url, protocols)` only, and a browser cannot limit the size of an
 * inbound frame at all: it is received whole before the codec can refuse it.
 */
export function takesClientOptions(ctor: WebSocketConstructor): boolean {
  const proto = (ctor as { prototype?: { ping?: unknown; terminate?: unknown } }).prototype
  return typeof proto?.ping === 'function' && typeof proto.terminate === 'function'
}

/**
 * Opens a socket. With `ws`, frames over `maxFrameBytes` are refused as their header arrives
 * (`maxPayload`: the socket closes with 1009) instead of being buffered whole first: its default
 * limit is 100 MiB, so a 50 MB frame would sit in memory before the codec's limit refused it.
 */
export function openWebSocket(ctor: WebSocketConstructor, url: string, maxFrameBytes: number): WebSocketLike {
  if (!takesClientOptions(ctor)) return new ctor(url)
  const withOptions = ctor as unknown as new (url: string, protocols: undefined, options: { maxPayload: number }) => WebSocketLike
  return new withOptions(url, undefined, { maxPayload: maxFrameBytes })
}
