import { inboundEnvelope } from '../connection/inboundEnvelope'
import type { Envelope } from '../protocol/envelope'
import type { Logger } from '../world/logger'
import type { MiddlewareHandlerBuilder } from './middlewareHandler'

/** The per-store set of inbound message listeners, reached with a plain action the middleware answers. */
export interface MessageListenerRegistry {
  add(listener: (message: Envelope) => void): () => void
}

/** The action type `realtime.onMessage` dispatches to reach the registry of a store. */
export const registryActionType = (reducerPath: string) => `${reducerPath}/connection/messageListenerRegistry`

/**
 * `realtime.onMessage` listeners: kept here (functions never go into actions or state), told of
 * every inbound message after the reducers saw it. One that throws is logged; the others still run.
 */
export const buildMessageListeners = (reducerPath: string, logger: Logger): MiddlewareHandlerBuilder => () => {
  const listeners = new Set<(message: Envelope) => void>()
  const registry: MessageListenerRegistry = {
    add(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  }
  return {
    types: [registryActionType(reducerPath)],
    wantsEvery: () => listeners.size > 0,
    // Answered here and never forwarded: the reducers and DevTools do not see it.
    intercept: (action) => (action.type === registryActionType(reducerPath) ? { result: registry, forward: false } : undefined),
    after(action) {
      if (listeners.size === 0) return
      const message = inboundEnvelope(action, reducerPath)
      if (!message) return
      for (const listener of [...listeners]) {
        try {
          listener(message)
        } catch (error) {
          logger.error(`rtk-realtime: an onMessage listener threw: ${(error as Error)?.message ?? String(error)}`)
        }
      }
    },
  }
}
