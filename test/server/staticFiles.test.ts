import { describe, it, expect, afterEach, beforeAll, afterAll } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startServer } from '../../examples/server/createServer'
import type { ReferenceServer } from '../../examples/server/types'

let base: string
let publicDir: string
const servers: ReferenceServer[] = []

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'rtk-realtime-static-'))
  publicDir = path.join(base, 'public')
  mkdirSync(path.join(publicDir, 'assets'), { recursive: true })
  writeFileSync(path.join(publicDir, 'index.html'), '<!doctype html><title>dash</title>')
  writeFileSync(path.join(publicDir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(path.join(publicDir, 'assets', 'app.css'), 'body{}')
  writeFileSync(path.join(publicDir, 'assets', 'logo.svg'), '<svg/>')
  writeFileSync(path.join(publicDir, 'assets', 'data.json'), '{}')
  writeFileSync(path.join(publicDir, 'assets', 'app.js.map'), '{}')
  writeFileSync(path.join(base, 'package.json'), '{"secret":true}')
  symlinkSync(path.join(base, 'package.json'), path.join(publicDir, 'escape.json'))
  writeFileSync(path.join(publicDir, '.env'), 'SECRET=1')
  mkdirSync(path.join(publicDir, '.git'))
  writeFileSync(path.join(publicDir, '.git', 'config'), '[core]')
  writeFileSync(path.join(publicDir, 'assets', '.hidden.js'), 'x')
})

afterAll(() => rmSync(base, { recursive: true, force: true }))

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

async function start(staticDir?: string): Promise<ReferenceServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', ...(staticDir ? { staticDir } : {}) })
  servers.push(server)
  return server
}

/** GET with the raw path, exactly as given (no client-side normalisation). */
function get(server: ReferenceServer, rawPath: string, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: rawPath, method, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('reference server: static files', () => {
  it('refuses dotfiles and dot-directories with 404, however the path is spelled', async () => {
    const server = await start(publicDir)
    for (const rawPath of ['/.env', '/%2eenv', '/.git/config', '/assets/.hidden.js', '/assets/../.env', '/.git/']) {
      expect((await get(server, rawPath)).status, rawPath).toBe(404)
    }
  })

  it('sends the security headers on files and on errors', async () => {
    const server = await start(publicDir)
    for (const rawPath of ['/', '/missing']) {
      const { headers } = await get(server, rawPath)
      expect(headers, rawPath).toMatchObject({
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
      })
      expect(headers['content-security-policy']).toContain("script-src 'self'")
    }
  })

  it('serves index.html for / and files with their content types', async () => {
    const server = await start(publicDir)
    const index = await get(server, '/')
    expect(index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>dash</title>' })
    expect(await get(server, '/index.html?v=1')).toMatchObject({ status: 200 })
    const types: Array<[string, string]> = [
      ['/assets/app.js', 'text/javascript; charset=utf-8'],
      ['/assets/app.css', 'text/css; charset=utf-8'],
      ['/assets/logo.svg', 'image/svg+xml'],
      ['/assets/data.json', 'application/json; charset=utf-8'],
      ['/assets/app.js.map', 'application/json; charset=utf-8'],
    ]
    for (const [file, type] of types) expect(await get(server, file)).toMatchObject({ status: 200, type })
    expect(await get(server, '/assets/app.js', 'HEAD')).toMatchObject({ status: 200, body: '' })
  })

  it('answers 404 for missing files and 405 for other methods', async () => {
    const server = await start(publicDir)
    expect((await get(server, '/nope.js')).status).toBe(404)
    expect((await get(server, '/assets/')).status).toBe(404) // no index.html there
    expect((await get(server, '/', 'POST')).status).toBe(405)
  })

  it('refuses path traversal, plain, encoded and through symlinks', async () => {
    const server = await start(publicDir)
    const attempts = [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E%2Fpackage.json',
      '/..%2fpackage.json',
      '/assets/../../package.json',
      '/%2e%2e%5cpackage.json',
      '//etc/passwd',
      '/escape.json',
      '/%00index.html',
      '/%E0%A4%A',
    ]
    for (const attempt of attempts) {
      const res = await get(server, attempt)
      expect([400, 403, 404], attempt).toContain(res.status)
      expect(res.body, attempt).not.toContain('secret')
    }
  })

  it('answers 404 over HTTP when no static directory is configured', async () => {
    const server = await start()
    expect((await get(server, '/')).status).toBe(404)
  })

  it('refuses to start with a missing static directory', async () => {
    await expect(startServer({ port: 0, staticDir: path.join(base, 'missing') })).rejects.toThrow(/static directory not found/)
  })
})
