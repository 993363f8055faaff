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
