/**
 * Who may open a socket: the `Origin` allow-list (cross-site WebSocket hijacking: any web page
 * can open a socket to any server, with the user's cookies) and the `authenticate` hook, which
 * turns the upgrade request into a user id or refuses it with 401.
 */
import type { IncomingMessage } from 'node:http'

/**
 * Which browser origins may open a socket: a list of exact origins (`https://app.example`), or a
 * predicate. A request without an `Origin` header does not come from a browser page and is let
 * through (the check protects browsers' users, it cannot stop other programs).
 */
export type OriginPolicy = readonly string[] | ((origin: string, request: IncomingMessage) => boolean)

/**
 * Turns an upgrade request into the id of the user it acts for (read a token with
 * {@link requestToken}); `undefined`, `null` or `''` (or a throw) refuses the upgrade with 401.
 */
export type Authenticate = (request: IncomingMessage) => string | null | undefined | Promise<string | null | undefined>

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * The default origin policy: the server's own origin (the page it served, whatever the host
 * name it was reached by) and any port of localhost, 127.0.0.1 and [::1] (a dev server).
 */
export function isDefaultAllowedOrigin(origin: string, request: IncomingMessage): boolean {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  // URL lowercases the origin's host; the Host header keeps the case the client wrote.
  return url.host === request.headers.host?.toLowerCase() || LOOPBACK_HOSTS.has(url.hostname)
}

/** Whether `request` may open a socket under `policy` (undefined: the default policy). */
export function originAllowed(request: IncomingMessage, policy: OriginPolicy | undefined): boolean {
  const origin = request.headers.origin
  if (origin === undefined) return true
  if (policy === undefined) return isDefaultAllowedOrigin(origin, request)
  if (typeof policy === 'function') return policy(origin, request)
  return policy.includes(origin)
}

/** The prefix of a token sent as a `Sec-WebSocket-Protocol` entry: `token.<token>`. */
export const TOKEN_PROTOCOL_PREFIX = 'token.'

/**
 * The token of an upgrade request: the `token` query parameter, else a `Sec-WebSocket-Protocol`
 * entry `token.<token>` (what a browser can send besides the URL); undefined when there is none.
 */
export function requestToken(request: IncomingMessage): string | undefined {
  const query = (request.url ?? '').split('?')[1]
  const fromQuery = query === undefined ? null : new URLSearchParams(query).get('token')
  if (fromQuery) return fromQuery
  const protocols = request.headers['sec-websocket-protocol']
  for (const entry of (protocols ?? '').split(',')) {
    const value = entry.trim()
    if (value.startsWith(TOKEN_PROTOCOL_PREFIX) && value.length > TOKEN_PROTOCOL_PREFIX.length) return value.slice(TOKEN_PROTOCOL_PREFIX.length)
  }
  return undefined
}

/**
 * The subprotocol the server answers with: browsers fail a handshake that offered protocols and
 * got none back, so one must be picked even when the only one offered carries the token.
 */
export function chooseProtocol(offered: ReadonlySet<string>): string | false {
  let token: string | false = false
  for (const protocol of offered) {
    if (!protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) return protocol
    token ||= protocol
  }
  return token
}

/** What `authenticate` decided: the user id, a refusal (a throw included), or no answer in time. */
export type Admission = { readonly userId: string } | 'refused' | 'timeout'

/**
 * Asks `authenticate` about `request`, waiting at most `timeoutMs`: a hook that never answers
 * (a hung auth backend) must not hold the socket, which no HTTP timeout covers once upgrading.
 */
export async function authenticateRequest(authenticate: Authenticate, request: IncomingMessage, timeoutMs: number): Promise<Admission> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<'timeout'>((resolve) => {
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const asked = (async (): Promise<Admission> => {
    try {
      const user = await authenticate(request)
      return typeof user === 'string' && user !== '' ? { userId: user } : 'refused'
    } catch {
      return 'refused'
    }
  })()
  try {
    return await Promise.race([asked, late])
  } finally {
    clearTimeout(timer)
  }
}
