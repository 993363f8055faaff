/**
 * The example dashboard in headless Chromium, against the reference server.
 *
 * - Serves examples/dashboard/dist. Builds it first (vite's JS API) when it is missing or older
 *   than the dashboard's or the package's sources, so a run never tests a stale build.
 * - Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`), driven by
 *   playwright-core; no browser is ever downloaded. Without it the suite is skipped, except
 *   under CI (`CI` set), where it fails saying so.
 * - The page is opened with `?reconnectDelay=50&heartbeat=1000` (see
 *   examples/dashboard/src/settings.ts) so reconnects take milliseconds.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startServer } from '../../examples/server/createServer'
import type { ReferenceServer } from '../../examples/server/types'

const ROOT = resolve(import.meta.dirname, '../..')
const DASHBOARD = join(ROOT, 'examples/dashboard')
const DIST = join(DASHBOARD, 'dist')
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const QUERY = '?reconnectDelay=50&heartbeat=1000'
const SCREENSHOT = '/tmp/dashboard.png'
const hasChromium = existsSync(CHROMIUM)

/** Newest modification time under `dir` (files only), or 0. */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

async function ensureDashboardBuilt(): Promise<void> {
  const index = join(DIST, 'index.html')
  const builtAt = existsSync(index) ? statSync(index).mtimeMs : 0
  const sourcesAt = Math.max(
    newestMtime(join(DASHBOARD, 'src')),
    statSync(join(DASHBOARD, 'index.html')).mtimeMs,
    statSync(join(DASHBOARD, 'vite.config.ts')).mtimeMs,
    newestMtime(join(ROOT, 'src')),
  )
  if (builtAt >= sourcesAt) return
  const { build } = await import('vite')
  // Vite honours NODE_ENV when it is set, and vitest sets it to 'test': without this the build
  // would mix development JSX with production React. Restored at once: RTK's checks read it.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ configFile: join(DASHBOARD, 'vite.config.ts'), mode: 'production', logLevel: 'error' })
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
}

const statusText = (page: Page) => page.textContent('[data-testid="connection-status"]')

/** Waits until the status badge says `status`. */
async function waitForStatus(page: Page, status: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="connection-status"]')?.textContent === expected,
    status,
    { timeout },
  )
}

/** Waits until the element with this test id has exactly `text`. */
async function waitForText(page: Page, testId: string, text: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    ([id, expected]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === expected,
    [testId, text] as const,
    { timeout },
  )
}

if (!hasChromium && process.env.CI) {
  describe('dashboard in Chromium', () => {
    it('needs Chromium', () => {
      throw new Error(
        `${CHROMIUM} is missing, and CI is set so the browser tests may not be skipped. ` +
          'Install it: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium',
      )
    })
  })
}

describe.skipIf(!hasChromium)(
  `dashboard in Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} missing; apt-get install -y chromium)`}`,
  () => {
    let server: ReferenceServer
    let browser: Browser
    let context: BrowserContext
    let page: Page
    let problems: string[]

    beforeAll(async () => {
      await ensureDashboardBuilt()
      server = await startServer({ port: 0, host: '127.0.0.1', staticDir: DIST })
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    }, 60_000)

    afterAll(async () => {
      await browser?.close()
      await server?.stop()
    })

    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 })
      page = await context.newPage()
      problems = []
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`)
      })
      await page.goto(`${server.httpUrl}/${QUERY}`)
      await waitForStatus(page, 'open')
      await server.waitForClients(1)
    })

    afterEach(async () => {
      await context?.close()
      // Closing the page drops its socket; wait for the server to notice so tests do not overlap.
      for (let i = 0; i < 100 && server.clientCount() > 0; i++) await new Promise((r) => setTimeout(r, 10))
      expect(problems, 'the page logged errors or warnings').toEqual([])
    })

    it('loads from the reference server and opens its socket', async () => {
      expect(await statusText(page)).toBe('open')
      expect(await page.title()).toBe('rtk-realtime dashboard')
      expect(server.clientCount()).toBe(1)
      // onConnected fired, even though the socket may open before the page's effects run.
      await page.waitForFunction(() => document.querySelector('[data-testid="activity-log"]')?.textContent?.includes('socket open'))
      // ?heartbeat=1000 plus the probe on open: a latency shows up quickly.
      await page.waitForFunction(() => /ms$/.test(document.querySelector('[data-testid="latency"]')?.textContent ?? ''))
    })

    it('shows a WIDGET_UPDATE broadcast in the grid', async () => {
      expect(await page.isVisible('[data-testid="widgets-empty"]')).toBe(true)
      server.broadcast('WIDGET_UPDATE', { id: 'w-1', value: 42, version: 1 })
      await waitForText(page, 'widget-value-w-1', '42')
      expect(await page.getAttribute('[data-testid="widget-w-1"]', 'data-version')).toBe('1')
      // An older version is ignored; a newer one replaces it.
      server.broadcast('WIDGET_UPDATE', { id: 'w-1', value: 7, version: 1 })
      server.broadcast('WIDGET_UPDATE', { id: 'w-1', value: 43.5, version: 2 })
      await waitForText(page, 'widget-value-w-1', '43.5')
      expect(await page.textContent('[data-testid="messages-received"]')).toBe('3')
    })

    it('a malformed WIDGET_UPDATE is counted as rejected and changes nothing', async () => {
      server.broadcast('WIDGET_UPDATE', { id: 'w-2', value: 'high', version: 1 })
      await waitForText(page, 'messages-rejected', '1')
      expect(await page.isVisible('[data-testid="widget-w-2"]')).toBe(false)
      expect(await page.textContent('[data-testid="last-rejection"]')).toContain('value must be a finite number')
    })

    it('after the server drops every socket, the status leaves "open" and comes back', async () => {
      // Record every status the badge shows: with a 50 ms backoff the gap is too short to poll.
      await page.evaluate(() => {
        const badge = document.querySelector('[data-testid="connection-status"]')!
        const seen: string[] = []
        ;(window as unknown as { statusHistory: string[] }).statusHistory = seen
        new MutationObserver(() => seen.push(badge.textContent ?? '')).observe(badge, {
          childList: true,
          characterData: true,
          subtree: true,
        })
      })
      server.terminateAll()
      await page.waitForFunction(() => {
        const seen = (window as unknown as { statusHistory: string[] }).statusHistory
        return seen.length >= 2 && seen.at(-1) === 'open'
      })
      const history = await page.evaluate(() => (window as unknown as { statusHistory: string[] }).statusHistory)
      expect(history[0]).toBe('reconnecting')
      expect(history.at(-1)).toBe('open')
      await server.waitForClients(1)
      expect(await page.textContent('[data-testid="last-close"]')).toContain('1006')
      expect(await page.textContent('[data-testid="activity-log"]')).toMatch(/reconnecting · close 1006/)

      // The new socket works: broadcasts reach the page again.
      server.broadcast('WIDGET_UPDATE', { id: 'w-3', value: 12, version: 1 })
      await waitForText(page, 'widget-value-w-3', '12')
    })

    it('the Ping button shows the ECHO round trip', async () => {
      await page.click('[data-testid="ping-button"]')
      await page.waitForSelector('[data-testid="ping-result"][data-state="ok"]')
      expect(await page.textContent('[data-testid="ping-result"]')).toMatch(/^#1: [\d.]+ (ms|s) round trip$/)
      await page.click('[data-testid="ping-button"]')
      await page.waitForFunction(() => document.querySelector('[data-testid="ping-result"]')?.textContent?.startsWith('#2: '))
      expect(server.received.filter((m) => m.type === 'ECHO').map((m) => (m.data as { n: number }).n)).toEqual([1, 2])
    })

    it('Disconnect closes the socket until Connect', async () => {
      await page.click('[data-testid="disconnect-button"]')
      await waitForStatus(page, 'closed')
      for (let i = 0; i < 100 && server.clientCount() > 0; i++) await new Promise((r) => setTimeout(r, 10))
      expect(server.clientCount()).toBe(0)
      expect(await page.textContent('[data-testid="last-close"]')).toContain('1000')
      expect(await page.isDisabled('[data-testid="disconnect-button"]')).toBe(true)

      await page.click('[data-testid="connect-button"]')
      await waitForStatus(page, 'open')
      await server.waitForClients(1)
    })

    it('looks right (screenshot to /tmp/dashboard.png)', async () => {
      // A few rounds of demo-like updates so every widget has a sparkline.
      const ids = ['w-1', 'w-2', 'w-3', 'w-4', 'w-5', 'w-6']
      const rounds = 24
      for (let version = 1; version <= rounds; version++) {
        ids.forEach((id, i) => {
          const value = Math.round((50 + 35 * Math.sin(version / 4 + i * 1.3) + 8 * Math.cos(version * 1.7 + i)) * 10) / 10
          server.broadcast('WIDGET_UPDATE', { id, value, version })
        })
      }
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid^="widget-w-"][data-version="' + n + '"]').length === 6,
        rounds,
      )
      await page.click('[data-testid="ping-button"]')
      await page.waitForSelector('[data-testid="ping-result"][data-state="ok"]')
      // No hover highlight, and let the flash animation finish.
      await page.mouse.move(0, 0)
      await new Promise((r) => setTimeout(r, 900))
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
      expect(existsSync(SCREENSHOT)).toBe(true)
    }, 40_000)
  },
)
