import type { RealtimeConfig } from '../config/types'
import type { Codec } from '../protocol/codec'
import type { Logger } from '../world/logger'
import type { TimerProvider } from '../world/timers'
import type { WebSocketConstructor } from '../world/webSocket'
import type { ConnectionActions } from './connectionSlice'
import type { EnvironmentInstaller } from './environmentListeners'
import type { InboundRouter } from './inboundRouter'
import type { ConnectionState } from './types'

/** A URL, or a function called before every attempt (sync or async) so a fresh token is used. */
export type UrlOption = string | (() => string | Promise<string>)

/**
 * Everything the connection sagas need from the outside world, resolved once by
 * `createRealtime`. Sagas receive it as an argument; nothing is read from globals.
 */
export interface ConnectionRuntime {
  actions: ConnectionActions
  config: RealtimeConfig
  codec: Codec
  timers: TimerProvider
  random: () => number
  logger: Logger
  url: UrlOption
  /** The constructor to use, looked up when an attempt starts. */
  getWebSocket: () => WebSocketConstructor | undefined
  route: InboundRouter
  selectConnection: (rootState: unknown) => ConnectionState
  environmentListeners: EnvironmentInstaller | false
}
