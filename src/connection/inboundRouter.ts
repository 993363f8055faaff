import type { Envelope } from '../protocol/envelope'
import type { MessageRejection } from './types'
import { inboundMeta, type InboundAction } from './connectionSlice'

/** An action type, or an action creator that carries one (anything RTK's `createAction` makes). */
export type InboundActionTarget = string | { readonly type: string }

/** A route with a payload check. */
export interface InboundRouteConfig {
  /** The action to dispatch; its `payload` is the message's `data`. */
  action: InboundActionTarget
  /**
   * Checks `data` before anything is dispatched. Return `true` to accept, `false` or a reason
   * string to reject: the frame then becomes a `messageRejected` action and reaches no reducer.
   * A validator that throws rejects the frame too.
   */
  validate?: (data: unknown, message: Envelope) => boolean | string
}

/** How one inbound message type becomes an action. */
export type InboundRoute = InboundActionTarget | InboundRouteConfig

/** Inbound routes by message type. */
export type InboundRoutes = Record<string, InboundRoute>

/** Message types the package handles itself; routing them would break the heartbeat or replies. */
const RESERVED_MESSAGE_TYPES: readonly string[] = ['PING', 'PONG']

/** What the router makes of a message: an action to dispatch, or a rejection. */
export type RouteResult = { action: InboundAction } | { rejection: MessageRejection }

interface CompiledRoute {
  actionType: string
  validate?: InboundRouteConfig['validate']
}

function compileRoute(messageType: string, route: InboundRoute): CompiledRoute {
  const where = `createRealtime({ inbound }): inbound["${messageType}"]`
  if (RESERVED_MESSAGE_TYPES.includes(messageType)) {
    throw new TypeError(`rtk-realtime: ${where}: "${messageType}" is handled by the package and cannot be routed`)
  }
  const config: InboundRouteConfig =
    route !== null && typeof route === 'object' && 'action' in route ? route : { action: route as InboundActionTarget }
  const target = config.action
  const actionType = typeof target === 'string' ? target : (target as { type?: unknown } | null)?.type
  if (typeof actionType !== 'string' || actionType === '') {
    throw new TypeError(
      `rtk-realtime: ${where} must be an action type string, an action creator, or { action, validate }`,
    )
  }
  if (config.validate !== undefined && typeof config.validate !== 'function') {
    throw new TypeError(`rtk-realtime: ${where}.validate must be a function`)
  }
  return config.validate ? { actionType, validate: config.validate } : { actionType }
}

/**
 * Compiles the user's routes once (throwing on a malformed one) and returns the pure function
 * that turns a decoded message into the action to dispatch. Unregistered types go to the
 * generic `messageReceived` action.
 */
export function createInboundRouter(reducerPath: string, routes: InboundRoutes = {}) {
  if (routes === null || typeof routes !== 'object') {
    throw new TypeError('rtk-realtime: createRealtime({ inbound }) must be an object of routes by message type')
  }
  const compiled = new Map<string, CompiledRoute>()
  for (const messageType of Object.keys(routes)) {
    compiled.set(messageType, compileRoute(messageType, routes[messageType]!))
  }
  const genericType = `${reducerPath}/connection/messageReceived`

  return function route(message: Envelope, receivedAt: number): RouteResult {
    const meta = inboundMeta(reducerPath, message, receivedAt)
    const target = compiled.get(message.type)
    if (!target) return { action: { type: genericType, payload: message, meta } }
    if (target.validate) {
      const verdict = runValidator(target.validate, message)
      if (verdict !== true) {
        return {
          rejection: {
            code: 'validation_failed',
            reason: `rtk-realtime: "${message.type}" payload rejected by inbound["${message.type}"].validate: ${verdict}`,
            type: message.type,
            at: receivedAt,
          },
        }
      }
    }
    return { action: { type: target.actionType, payload: message.data, meta } }
  }
}

// A user validator that throws must not take the socket saga down with it.
function runValidator(validate: NonNullable<InboundRouteConfig['validate']>, message: Envelope): true | string {
  try {
    const verdict = validate(message.data, message)
    if (verdict === true) return true
    return typeof verdict === 'string' && verdict ? verdict : 'returned false'
  } catch (thrown) {
    return `threw ${thrown instanceof Error ? thrown.message : String(thrown)}`
  }
}

/** The router's signature. */
export type InboundRouter = ReturnType<typeof createInboundRouter>
