/**
 * Minimal, safe static file serving over plain `node:http`: GET/HEAD only, no path traversal
 * (the resolved path, symlinks included, must stay under the root), no dotfiles, a small
 * content-type table, `index.html` for directories, 404 for anything missing, and
 * {@link SECURITY_HEADERS} on every response.
 */
import { createReadStream, statSync } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'

/** Content types by file extension. Unknown extensions are served as `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
}

/**
 * Headers on every response: no sniffing, no framing (clickjacking), no referrer leaking the
 * page's URL (a token in a query string), and a Content-Security-Policy that lets the page load
 * only its own scripts and talk only to its own origin (`'self'` covers its ws:// socket).
 * Styles may be inline: React writes `style` attributes.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
})

/** An HTTP request handler. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void

/** Sends a small plain-text response. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = Buffer.from(text + '\n', 'utf8')
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(body.length),
    ...SECURITY_HEADERS,
    ...headers,
  })
  res.end(res.req?.method === 'HEAD' ? undefined : body)
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep)
}

/**
 * Creates a handler serving files under `rootDir`. Throws at once when `rootDir` is not an
 * existing directory.
 */
export function createStaticHandler(rootDir: string): RequestListener {
  const root = path.resolve(rootDir)
  let rootStat
  try {
    rootStat = statSync(root)
  } catch {
    throw new Error(`static directory not found: ${root}`)
  }
  if (!rootStat.isDirectory()) throw new Error(`static path is not a directory: ${root}`)
  let realRoot: Promise<string> | undefined

  return (req, res) => {
    serve(req, res).catch(() => sendText(res, 500, 'Internal Server Error'))
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' })
      return
    }
    // Work on the raw request path: URL parsing would normalise `..` away before we can refuse it.
    const rawPath = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/'
    let decoded: string
    try {
      decoded = decodeURIComponent(rawPath)
    } catch {
      sendText(res, 400, 'Bad Request')
      return
    }
    if (decoded.includes('\0') || !decoded.startsWith('/')) {
      sendText(res, 400, 'Bad Request')
      return
    }
    // Dotfiles and dot-directories (.env, .git) are never served, as if they did not exist.
    if (decoded.split(/[/\\]/).some((segment) => segment.startsWith('.') && segment !== '.' && segment !== '..')) {
      sendText(res, 404, 'Not Found')
      return
    }
    let file = path.resolve(root, '.' + decoded)
    if (!isInside(root, file)) {
      sendText(res, 403, 'Forbidden')
      return
    }
    let info = await stat(file).catch(() => null)
    if (info?.isDirectory()) {
      file = path.join(file, 'index.html')
      info = await stat(file).catch(() => null)
    }
    if (!info?.isFile()) {
      sendText(res, 404, 'Not Found')
      return
    }
    realRoot ??= realpath(root)
    const real = await realpath(file).catch(() => null)
    if (real === null || !isInside(await realRoot, real)) {
      sendText(res, 403, 'Forbidden')
      return
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(info.size),
      'Cache-Control': 'no-cache',
      ...SECURITY_HEADERS,
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    const stream = createReadStream(real)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }
}
