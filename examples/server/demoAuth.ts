/**
 * The demo's authentication: a token `demo.<user>.<nonce>`, accepted for any user name and a
 * fresh nonce per connection attempt. It shows the plumbing (the dashboard's `url` function puts
 * a token on every attempt, the server turns it into the user id its ops carry), not security:
 * a real server verifies a signed, expiring token here (a JWT, a session lookup).
 */
import type { IncomingMessage } from 'node:http'
import { requestToken } from './admission'

const DEMO_TOKEN = /^demo\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{6,128})$/

/** A demo token for `user` (letters, digits, `_` and `-`), fresh at every call. */
export function demoToken(user: string, random: () => number = Math.random): string {
  const nonce = Math.floor(random() * 2 ** 48).toString(36).padStart(6, '0')
  return `demo.${user}.${nonce}`
}

/** `authenticate` of the demo: the user of a well-formed demo token, else a refusal. */
export function demoAuthenticate(request: IncomingMessage): string | undefined {
  return DEMO_TOKEN.exec(requestToken(request) ?? '')?.[1]
}
