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
 * - "connection" runs against a server without widgets and drives the page with raw broadcasts;
 *   "widgets and optimistic ops" seeds the server's authoritative widgets (as `--demo` does), edits
 *   them in the page and reads the outcome from the server (`server.widget(id)`), with the fault
 *   knobs (`replyDelayMs`, `nackAll`) holding ops pending or refusing them.
 * - "offline, the persisted outbox and sync" uses the page's offline switch (and Chromium's own
 *   offline emulation, `context.setOffline`), reloads, second pages (other people: new contexts)
 *   and second tabs of one user (pages of one context: one IndexedDB, one Web Locks manager), and
 *   asserts through the server (`appliedCount(opId)`, every delivery in `received`, sockets
 *   accepted from its log) and through what the other pages show. Op ids are read from the
 *   page's outbox panel; what IndexedDB holds, from the panel's read of it.
 * - "two people on one widget" runs the demo's ticker with its defaults (as `npm run demo` does)
 *   while two people edit one widget at once.
 * - Every wait is for a condition (a selector, a text, a server count), never for a time.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { startServer } from '../../examples/server/createServer'
import { DEMO_WIDGET_IDS, demoWidgets, startDemoTicker } from '../../examples/server/demo'
import { DEFAULT_FAULTS } from '../../examples/server/faults'
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
const OPS_SCREENSHOT = '/tmp/dashboard-ops.png'
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

/** Waits until the finite animations (value flashes) have finished, for a steady screenshot. */
async function waitForAnimations(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
  )
}

/** Waits until every listed widget shows its version on the page. */
async function waitForVersions(page: Page, versions: Record<string, number>): Promise<void> {
  await page.waitForFunction(
    (expected) => Object.entries(expected).every(([id, v]) => document.querySelector(`[data-testid="widget-${id}"]`)?.getAttribute('data-version') === String(v)),
    versions,
    { timeout: 10_000 },
  )
}

/** Waits until `selector` matches at least `count` elements. */
async function waitForCount(page: Page, selector: string, count: number, timeout = 10_000): Promise<void> {
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length >= n, [selector, count] as const, { timeout })
}

/** Polls `check` (in the test process) until it is true: a wait for a condition, never for a time. */
async function until(what: string, check: () => boolean, timeout = 10_000): Promise<void> {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    },
    { timeout, interval: 10 },
  )
}

/** A deterministic random source for the seeded widgets. */
function seededRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
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
    /** Contexts a test opened besides `context` (other people, other tabs), closed after it. */
    let extraContexts: BrowserContext[]
    /** Sockets the server accepted since it started (from its log). */
    let connections = 0

    beforeAll(async () => {
      await ensureDashboardBuilt()
      server = await startServer({
        port: 0,
        host: '127.0.0.1',
        staticDir: DIST,
        log: (line) => {
          if (line.startsWith('client connected')) connections++
        },
      })
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    }, 60_000)

    afterAll(async () => {
      await browser?.close()
      await server?.stop()
    })

    /** Reports the page's errors and warnings as problems (every test fails on them). */
    function watch(p: Page): Page {
      p.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
      p.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`)
      })
      return p
    }

    /** A new page in a new context (another person, with an IndexedDB of their own). */
    async function newPerson(): Promise<Page> {
      const other = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 })
      extraContexts.push(other)
      return watch(await other.newPage())
    }

    beforeEach(async () => {
      problems = []
      extraContexts = []
      context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 })
      page = watch(await context.newPage())
    })

    /** Opens the dashboard with `query` and waits until its socket is open. */
    async function openDashboard(query = QUERY): Promise<void> {
      await page.goto(`${server.httpUrl}/${query}`)
      await waitForStatus(page, 'open')
      await server.waitForClients(1)
    }

    /** Every delivery of op `opId` the server received (replays included, marked `duplicate`). */
    const deliveriesOf = (opId: string) => server.received.filter((m) => m.id === opId)
    const syncRequests = () => server.received.filter((m) => m.type === 'SYNC').length

    /** Opens the dashboard on `p` with `query`, waits for its socket and its widgets. */
    async function open(p: Page, query: string): Promise<void> {
      await p.goto(`${server.httpUrl}/${query}`)
      await waitForStatus(p, 'open')
      await waitForCount(p, '[data-testid^="widget-w-"][data-status="ready"]', DEMO_WIDGET_IDS.length)
      await p.waitForSelector('[data-testid="pending-ops"][data-outbox-status="ready"]')
    }

    /** Flips the offline switch on `p` and waits until the badge says `status`. */
    async function flip(p: Page, status: 'offline' | 'open'): Promise<void> {
      // A tab in the background gets its animation frames throttled, and clicks wait for frames.
      await p.bringToFront()
      await p.click('[data-testid="offline-switch"]')
      await waitForStatus(p, status)
    }

    /** The id of the one op `p` has pending on widget `id`, read from its outbox panel. */
    async function opIdOn(p: Page, id: string): Promise<string> {
      const row = p.locator(`[data-testid="pending-op"][data-key="${id}"]`)
      await row.waitFor()
      expect(await row.count()).toBe(1)
      return (await row.getAttribute('data-op-id'))!
    }

    /** Waits until IndexedDB, as `p`'s outbox panel reads it, holds op `opId` as `owner`'s. */
    const waitStored = (p: Page, opId: string, owner: 'this' | 'other') =>
      p.waitForSelector(`[data-testid="persisted-op"][data-op-id="${opId}"][data-owner="${owner}"]`)

    /** Waits until `p` has nothing pending and IndexedDB holds nothing (for this user). */
    async function waitDrained(p: Page): Promise<void> {
      await p.waitForSelector('[data-testid="pending-ops"][data-count="0"]')
      await p.waitForSelector('[data-testid="persisted-ops"][data-count="0"]')
    }

    afterEach(async () => {
      for (const other of extraContexts) await other.close()
      await context?.close()
      // Closing the page drops its socket; wait for the server to notice so tests do not overlap.
      await until('the server to see the page go', () => server.clientCount() === 0).catch(() => {})
      expect(problems, 'the page logged errors or warnings').toEqual([])
    })

    describe('connection', () => {
      beforeEach(() => openDashboard())

      it('loads from the reference server and opens its socket', async () => {
        expect(await statusText(page)).toBe('open')
        expect(await page.title()).toBe('rtk-realtime dashboard')
        expect(server.clientCount()).toBe(1)
        // The activity log has the open: its entries are written by effects in the store, so an
        // open that happens before the page's components mount is not missed.
        await page.waitForFunction(() => document.querySelector('[data-testid="activity-log"]')?.textContent?.includes('socket open'))
        // The package PINGs as soon as the socket opens: a latency shows up quickly.
        await page.waitForFunction(() => /ms$/.test(document.querySelector('[data-testid="latency"]')?.textContent ?? ''))
        expect(await page.getAttribute('[data-testid="latency"]', 'data-fresh')).toBe('true')
        // The first SYNC ran (the server has no widgets: an empty snapshot).
        await page.waitForSelector('[data-testid="sync-badge"][data-state="synced"]')
        expect(await page.textContent('[data-testid="sync-status"]')).toMatch(/^synced \d+s ago$/)
        expect(await page.textContent('[data-testid="activity-log"]')).toContain('synced (initial) · snapshot of 0 entities')
        expect(await page.getAttribute('[data-testid="offline-switch"]', 'aria-checked')).toBe('false')
      })

      it('shows a WIDGET_UPDATE broadcast in the grid', async () => {
        // The first SYNC's snapshot says the server has no widgets.
        await page.waitForSelector('[data-testid="widgets-empty"]')
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
        await until('the server to see the socket close', () => server.clientCount() === 0)
        expect(await page.textContent('[data-testid="last-close"]')).toContain('1000')
        expect(await page.isDisabled('[data-testid="disconnect-button"]')).toBe(true)

        await page.click('[data-testid="connect-button"]')
        await waitForStatus(page, 'open')
        await server.waitForClients(1)
      })

      it('looks right (screenshot to /tmp/dashboard.png)', async () => {
        // A few rounds of demo-like updates so every widget has a sparkline. A round per batch
        // window (updates.BATCH_DELAY, 200 ms): within one batch only a widget's newest version counts.
        const ids = ['w-1', 'w-2', 'w-3', 'w-4', 'w-5', 'w-6']
        const rounds = 16
        for (let version = 1; version <= rounds; version++) {
          ids.forEach((id, i) => {
            const value = Math.round((50 + 35 * Math.sin(version / 4 + i * 1.3) + 8 * Math.cos(version * 1.7 + i)) * 10) / 10
            server.broadcast('WIDGET_UPDATE', { id, value, version })
          })
          // The next round only once this one is on the page, so no batch folds two rounds.
          await waitForVersions(page, Object.fromEntries(ids.map((id) => [id, version])))
        }
        await page.waitForFunction(
          (n) => document.querySelectorAll('[data-testid^="widget-w-"][data-version="' + n + '"]').length === 6,
          rounds,
        )
        await page.click('[data-testid="ping-button"]')
        await page.waitForSelector('[data-testid="ping-result"][data-state="ok"]')
        // No hover highlight, and let the finite animations (value flashes) finish.
        await page.mouse.move(0, 0)
        await waitForAnimations(page)
        await page.screenshot({ path: SCREENSHOT, fullPage: true })
        expect(existsSync(SCREENSHOT)).toBe(true)
      }, 40_000)
    })

    describe('widgets and optimistic ops', () => {
      /** The seeded widgets, as the server had them when the page opened. */
      let seeded: Map<string, { title: string; value: number; version: number }>

      /** Ops of `type` the server received for widget `id` (replays included). */
      const opsFor = (id: string, type = 'WIDGET_UPDATE') =>
        server.received.filter((m) => m.type === type && m.id !== undefined && (m.data as { id?: unknown } | undefined)?.id === id)

      const valueOf = (id: string) => page.textContent(`[data-testid="widget-value-${id}"]`)
      const versionOf = async (id: string) => Number(await page.getAttribute(`[data-testid="widget-${id}"]`, 'data-version'))
      const pendingOf = (id: string) => page.getAttribute(`[data-testid="widget-${id}"]`, 'data-pending')

      /** Waits until widget `id` has no pending op (its badge is gone). */
      const waitSettled = (id: string, timeout = 10_000) =>
        page.waitForSelector(`[data-testid="widget-${id}"][data-pending="false"]`, { timeout })

      beforeEach(async () => {
        Object.assign(server.faults, DEFAULT_FAULTS)
        server.received.length = 0 // opsFor() counts this test's ops only
        server.seedWidgets(demoWidgets(DEMO_WIDGET_IDS, seededRandom(7)))
        seeded = new Map(server.widgets().map((w) => [w.id, { title: w.title as string, value: w.value as number, version: w.version }]))
        await openDashboard()
        // The package loads the widgets (a SYNC snapshot) when the socket opens.
        await waitForCount(page, '[data-testid^="widget-w-"]', DEMO_WIDGET_IDS.length)
      })

      afterEach(() => {
        Object.assign(server.faults, DEFAULT_FAULTS)
        server.seedWidgets([])
      })

      it('loads the server’s widgets on open, with title, value and version', async () => {
        for (const [id, w] of seeded) {
          expect(await valueOf(id)).toBe(String(w.value))
          expect(await page.textContent(`[data-testid="widget-title-${id}"]`)).toBe(w.title)
          expect(await versionOf(id)).toBe(w.version)
          expect(await pendingOf(id)).toBe('false')
        }
        // A server-side change (another user, the demo ticker) arrives as a broadcast.
        const version = server.touch('w-4', { value: 12.5 })
        await waitForText(page, 'widget-value-w-4', '12.5')
        expect(await versionOf('w-4')).toBe(version)
        expect(await page.getAttribute('[data-testid="pending-ops"]', 'data-count')).toBe('0')
      })

      it('an edit shows at once, is sent as one op, and the ACK clears its pending badge', async () => {
        const before = seeded.get('w-1')!
        // Replies wait 600 ms, so the op is visibly pending before its ACK.
        server.faults.replyDelayMs = 600
        await page.locator('[data-testid="widget-slider-w-1"]').fill('73')

        // Optimistic: the view has the new value while the op still waits for the server.
        const shown = await page.evaluate(() => ({
          value: document.querySelector('[data-testid="widget-value-w-1"]')?.textContent,
          pending: document.querySelector('[data-testid="widget-w-1"]')?.getAttribute('data-pending'),
          badge: document.querySelector('[data-testid="widget-pending-w-1"]') !== null,
        }))
        expect(shown).toEqual({ value: '73', pending: 'true', badge: true })
        expect(await versionOf('w-1')).toBe(before.version)
        // The outbox lists it: mutation, key, status.
        await page.waitForSelector('[data-testid="pending-op"][data-key="w-1"]')
        const row = await page.textContent('[data-testid="pending-op"][data-key="w-1"]')
        expect(row).toContain('updateWidget')
        expect(row).toContain('value: 73')

        await waitSettled('w-1')
        expect(await page.isVisible('[data-testid="widget-pending-w-1"]')).toBe(false)
        expect(await valueOf('w-1')).toBe('73')
        expect(await versionOf('w-1')).toBe(before.version + 1)
        expect(server.widget('w-1')).toMatchObject({ value: 73, title: before.title, version: before.version + 1 })
        const ops = opsFor('w-1')
        expect(ops).toHaveLength(1)
        expect(ops[0]!.data).toEqual({ id: 'w-1', value: 73, baseVersion: before.version })
        await page.waitForSelector('[data-testid="pending-ops"][data-count="0"]')
        expect(await page.getAttribute('[data-testid="rollbacks"]', 'data-count')).toBe('0')
      })

      it('a slider that moves fast sends fewer ops than it makes changes (debounce), and the server ends with the last value', async () => {
        const start = Math.round(seeded.get('w-2')!.value)
        const slider = page.locator('[data-testid="widget-slider-w-2"]')
        await slider.focus()
        const presses = 6
        for (let i = 0; i < presses; i++) await page.keyboard.press('ArrowRight')
        expect(await valueOf('w-2')).toBe(String(start + presses))
        await waitSettled('w-2')
        await until('the server to have the last value', () => server.widget('w-2')?.value === start + presses)
        expect(opsFor('w-2').length).toBeLessThan(presses)
        expect(await valueOf('w-2')).toBe(String(start + presses))
      })

      it('the +/− buttons and the inline rename change the widget on the server', async () => {
        const before = seeded.get('w-3')!
        await page.click('[data-testid="widget-inc-w-3"]')
        expect(await valueOf('w-3')).toBe(String(before.value + 1))
        await waitSettled('w-3')
        await page.click('[data-testid="widget-title-w-3"]')
        await page.fill('[data-testid="widget-title-input-w-3"]', 'Revenue')
        await page.press('[data-testid="widget-title-input-w-3"]', 'Enter')
        expect(await page.textContent('[data-testid="widget-title-w-3"]')).toBe('Revenue')
        await waitSettled('w-3')
        expect(server.widget('w-3')).toMatchObject({ title: 'Revenue', value: before.value + 1, version: before.version + 2 })
        expect(await versionOf('w-3')).toBe(before.version + 2)
        // Escape leaves the title alone.
        await page.click('[data-testid="widget-title-w-3"]')
        await page.fill('[data-testid="widget-title-input-w-3"]', 'Nope')
        await page.press('[data-testid="widget-title-input-w-3"]', 'Escape')
        expect(await page.textContent('[data-testid="widget-title-w-3"]')).toBe('Revenue')
        expect(await pendingOf('w-3')).toBe('false')
      })

      it('an edit the server refuses (nackAll) is rolled back and listed under Rollbacks', async () => {
        const before = seeded.get('w-1')!
        server.faults.nackAll = true
        server.faults.replyDelayMs = 500 // the NACK too: the edit is visibly pending first
        await page.click('[data-testid="widget-inc-w-1"]')
        // At once, the view has the edit...
        expect(await valueOf('w-1')).toBe(String(before.value + 1))
        expect(await pendingOf('w-1')).toBe('true')
        // ...until the NACK takes it back out.
        await page.waitForSelector('[data-testid="rollback"][data-key="w-1"]')
        await waitForText(page, 'widget-value-w-1', String(before.value))
        await waitSettled('w-1')
        const rollback = page.locator('[data-testid="rollback"][data-key="w-1"]')
        expect(await rollback.getAttribute('data-reason')).toBe('rejected')
        const text = await rollback.textContent()
        expect(text).toContain('rejected')
        expect(text).toContain('updateWidget w-1')
        expect(text).toContain('rejected by server fault knob')
        expect(server.widget('w-1')).toMatchObject({ value: before.value, version: before.version })
        expect(await versionOf('w-1')).toBe(before.version)
        expect(await page.getAttribute('[data-testid="conflicts"]', 'data-count')).toBe('0')

        // Clearing empties the panel.
        await page.click('[data-testid="rollbacks-clear"]')
        await page.waitForSelector('[data-testid="rollbacks"][data-count="0"]')
      })

      it('a server change to a widget with a pending edit shows a conflict (REMOTE_WINS)', async () => {
        const before = seeded.get('w-2')!
        // The ACK waits 1.5 s: the edit is applied on the server, but still pending in the page.
        server.faults.replyDelayMs = 1500
        await page.click('[data-testid="widget-inc-w-2"]')
        await until('the edit of w-2 to reach the server', () => opsFor('w-2').length === 1)
        expect(await pendingOf('w-2')).toBe('true')
        expect(await page.inputValue('[data-testid="conflict-strategy"]')).toBe('REMOTE_WINS')

        // Someone else sets w-2 to 999 while the page waits for its ACK.
        const remoteVersion = server.touch('w-2', { value: 999 })
        await page.waitForSelector('[data-testid="conflict"][data-key="w-2"]')
        const conflict = page.locator('[data-testid="conflict"][data-key="w-2"]')
        expect(await conflict.getAttribute('data-strategy')).toBe('REMOTE_WINS')
        expect(await conflict.textContent()).toContain(`your change to w-2 was overwritten by server version ${remoteVersion}`)
        expect(await conflict.textContent()).toContain(`yours ${before.value + 1}`)
        expect(await conflict.textContent()).toContain('server 999')
        // The remote change wins: the view shows it at once, the edit is rolled back (reason conflict).
        await waitForText(page, 'widget-value-w-2', '999')
        expect(await pendingOf('w-2')).toBe('false')
        expect(await page.getAttribute('[data-testid="rollback"][data-key="w-2"]', 'data-reason')).toBe('conflict')

        // The late ACK (an older version) changes nothing: page and server agree on 999. Replies
        // keep their order, so once an ECHO sent now is answered, the ACK has arrived before it.
        await page.click('[data-testid="ping-button"]')
        await page.waitForSelector('[data-testid="ping-result"][data-state="ok"]', { timeout: 10_000 })
        expect(await valueOf('w-2')).toBe('999')
        expect(await versionOf('w-2')).toBe(remoteVersion)
        expect(server.widget('w-2')).toMatchObject({ value: 999, version: remoteVersion })
      })

      it('?conflict=LOCAL_WINS: the pending edit stays on top of the server change', async () => {
        await openDashboard(`${QUERY}&conflict=LOCAL_WINS`)
        await waitForCount(page, '[data-testid^="widget-w-"]', DEMO_WIDGET_IDS.length)
        expect(await page.inputValue('[data-testid="conflict-strategy"]')).toBe('LOCAL_WINS')
        const before = seeded.get('w-5')!

        server.faults.replyDelayMs = 1500
        await page.click('[data-testid="widget-inc-w-5"]')
        await until('the edit of w-5 to reach the server', () => opsFor('w-5').length === 1)
        // Someone else renames w-5 while the page waits for its ACK.
        const remoteVersion = server.touch('w-5', { title: 'Renamed elsewhere' })
        const conflict = page.locator('[data-testid="conflict"][data-key="w-5"]')
        await conflict.waitFor()
        expect(await conflict.getAttribute('data-strategy')).toBe('LOCAL_WINS')
        expect(await conflict.textContent()).toContain(`your change to w-5 was kept over server version ${remoteVersion}`)
        // The edit stays in the view, on top of the remote change; nothing is rolled back.
        await waitForText(page, 'widget-title-w-5', 'Renamed elsewhere')
        expect(await valueOf('w-5')).toBe(String(before.value + 1))
        expect(await pendingOf('w-5')).toBe('true')

        await waitSettled('w-5')
        expect(server.widget('w-5')).toMatchObject({ value: before.value + 1, title: 'Renamed elsewhere', version: remoteVersion })
        expect(await valueOf('w-5')).toBe(String(before.value + 1))
        expect(await page.textContent('[data-testid="widget-title-w-5"]')).toBe('Renamed elsewhere')
        expect(await versionOf('w-5')).toBe(remoteVersion)
        expect(await page.getAttribute('[data-testid="rollbacks"]', 'data-count')).toBe('0')
        // Every delivery of the edit carried the same opId (the idempotency key).
        expect(new Set(opsFor('w-5').map((m) => m.id)).size).toBe(1)
      })

      it('the strategy selector reloads the page with ?conflict=, keeping the other parameters', async () => {
        await page.selectOption('[data-testid="conflict-strategy"]', 'MERGE')
        await page.waitForURL((url) => url.searchParams.get('conflict') === 'MERGE')
        const url = new URL(page.url())
        expect(url.searchParams.get('reconnectDelay')).toBe('50')
        expect(url.searchParams.get('heartbeat')).toBe('1000')
        await waitForStatus(page, 'open')
        expect(await page.inputValue('[data-testid="conflict-strategy"]')).toBe('MERGE')
        // A bad value is ignored and said so, never thrown.
        await openDashboard(`${QUERY}&conflict=SOMETIMES`)
        expect(await page.inputValue('[data-testid="conflict-strategy"]')).toBe('REMOTE_WINS')
        expect(await page.textContent('#settings-ignored')).toContain('?conflict=SOMETIMES')
      })

      it('looks right with ops in flight (screenshot to /tmp/dashboard-ops.png)', async () => {
        // Some history for the sparklines: demo-like rounds, one per batch window.
        for (let round = 1; round <= 12; round++) {
          DEMO_WIDGET_IDS.forEach((id, i) => {
            const value = Math.round((50 + 30 * Math.sin(round / 3 + i * 1.3) + 6 * Math.cos(round * 1.7 + i)) * 10) / 10
            server.touch(id, { value })
          })
          await waitForVersions(page, Object.fromEntries(DEMO_WIDGET_IDS.map((id) => [id, server.widget(id)!.version])))
        }
        await page.waitForFunction(
          (v) => document.querySelector('[data-testid="widget-w-6"]')?.getAttribute('data-version') === String(v),
          server.widget('w-6')!.version,
        )
        // A rollback...
        server.faults.nackAll = true
        await page.click('[data-testid="widget-dec-w-4"]')
        await page.waitForSelector('[data-testid="rollback"][data-key="w-4"]')
        server.faults.nackAll = false
        // ...a conflict...
        server.faults.replyDelayMs = 1500
        await page.click('[data-testid="widget-inc-w-3"]')
        await until('the edit of w-3 to reach the server', () => opsFor('w-3').length === 1)
        server.touch('w-3', { value: 91.5 })
        await page.waitForSelector('[data-testid="conflict"][data-key="w-3"]')
        // ...and ops waiting for their ACK.
        server.faults.replyDelayMs = 8000
        await page.locator('[data-testid="widget-slider-w-1"]').fill('88')
        await page.click('[data-testid="widget-title-w-5"]')
        await page.fill('[data-testid="widget-title-input-w-5"]', 'Conversion rate')
        await page.press('[data-testid="widget-title-input-w-5"]', 'Enter')
        await page.waitForSelector('[data-testid="pending-op"][data-key="w-1"][data-status="sent"]')
        await page.waitForSelector('[data-testid="pending-op"][data-key="w-5"][data-status="sent"]')
        await page.mouse.move(0, 0)
        await waitForAnimations(page)
        await page.screenshot({ path: OPS_SCREENSHOT, fullPage: true })
        expect(existsSync(OPS_SCREENSHOT)).toBe(true)
      }, 40_000)
    })

    describe('offline, the persisted outbox and sync', () => {
      /** The seeded widgets, as the server had them when the test started. */
      let seeded: Map<string, { title: string; value: number; version: number }>

      beforeEach(() => {
        Object.assign(server.faults, DEFAULT_FAULTS)
        server.received.length = 0
        server.seedWidgets(demoWidgets(DEMO_WIDGET_IDS, seededRandom(11)))
        seeded = new Map(server.widgets().map((w) => [w.id, { title: w.title as string, value: w.value as number, version: w.version }]))
      })

      afterEach(() => {
        Object.assign(server.faults, DEFAULT_FAULTS)
        server.seedWidgets([])
      })

      it('the offline switch closes the socket and queues edits; the badges say so; back online the edits go out once, a sync runs, and the latency is a new round trip', async () => {
        await open(page, `${QUERY}&user=alice`)
        await page.waitForSelector('[data-testid="latency"][data-fresh="true"]')
        await page.waitForSelector('[data-testid="sync-badge"][data-state="synced"]')
        const before = { w1: seeded.get('w-1')!, w2: seeded.get('w-2')! }

        await flip(page, 'offline')
        await until('the server to see the socket go', () => server.clientCount() === 0)
        const connectionsOffline = connections
        expect(await page.getAttribute('[data-testid="offline-switch"]', 'aria-checked')).toBe('true')
        expect(await page.getAttribute('[data-testid="offline-switch"]', 'data-source')).toBe('simulated')
        expect(await page.textContent('[data-testid="last-close"]')).toContain('4002')
        // The sync badge: offline, nothing queued yet; every widget is stale (updates may be missed).
        await waitForText(page, 'sync-status', 'offline · 0 queued')
        await waitForCount(page, '[data-testid^="widget-w-"][data-status="stale"]', DEMO_WIDGET_IDS.length)
        expect(await page.isVisible('[data-testid="widget-stale-w-3"]')).toBe(true)
        // The latency measured before the outage is not passed off as the current one.
        expect(await page.textContent('[data-testid="latency"]')).toMatch(/^was [\d.]+ (ms|s)$/)
        expect(await page.getAttribute('[data-testid="latency"]', 'data-fresh')).toBe('false')

        // Edits while offline: shown at once, queued, persisted; nothing reaches the server. Three
        // clicks on + fold into one queued op (updateWidget is `compact`): one op per widget.
        for (let i = 0; i < 3; i++) await page.click('[data-testid="widget-inc-w-1"]')
        await page.click('[data-testid="widget-title-w-2"]')
        await page.fill('[data-testid="widget-title-input-w-2"]', 'Offline rename')
        await page.press('[data-testid="widget-title-input-w-2"]', 'Enter')
        expect(await page.textContent('[data-testid="widget-value-w-1"]')).toBe(String(before.w1.value + 3))
        expect(await page.textContent('[data-testid="widget-title-w-2"]')).toBe('Offline rename')
        await waitForText(page, 'sync-status', 'offline · 2 queued')
        const op1 = await opIdOn(page, 'w-1')
        const op2 = await opIdOn(page, 'w-2')
        await waitStored(page, op1, 'this')
        await waitStored(page, op2, 'this')
        expect(await page.getAttribute(`[data-testid="pending-op"][data-op-id="${op1}"]`, 'data-status')).toBe('queued')

        // Back online: the PONGs (and every reply) now take 500 ms, so a real round trip is ≥ 500 ms.
        const activityBefore = await page.locator('[data-testid="activity-log"] li').count()
        await page.evaluate(() => {
          const el = document.querySelector('[data-testid="latency"]')!
          const seen: Array<[string, string]> = []
          ;(window as unknown as { latencyHistory: typeof seen }).latencyHistory = seen
          new MutationObserver(() => seen.push([el.textContent ?? '', el.getAttribute('data-fresh') ?? ''])).observe(el, {
            subtree: true,
            childList: true,
            characterData: true,
            attributes: true,
          })
        })
        server.faults.replyDelayMs = 500
        const onlineAt = Date.now()
        await flip(page, 'open')
        await page.waitForSelector('[data-testid="latency"][data-fresh="true"]')
        const latency = await page.textContent('[data-testid="latency"]')
        const ms = latency!.endsWith(' s') ? parseFloat(latency!) * 1000 : parseFloat(latency!)
        expect(ms).toBeGreaterThanOrEqual(500)
        expect(Number(await page.getAttribute('[data-testid="latency"]', 'data-pong-at'))).toBeGreaterThan(onlineAt)
        const history = await page.evaluate(() => (window as unknown as { latencyHistory: Array<[string, string]> }).latencyHistory)
        const firstFresh = history.findIndex(([, fresh]) => fresh === 'true')
        // Until the first PONG of the new socket: "measuring…" or the old value marked as old ("was …").
        for (const [text] of history.slice(0, firstFresh)) expect(text).toMatch(/^(measuring…|was [\d.]+ (ms|s))$/)
        expect(history.slice(0, firstFresh).some(([text]) => text === 'measuring…')).toBe(true)

        // The queued edits reach the server once each; the page settles and syncs what it missed.
        await waitDrained(page)
        expect(server.appliedCount(op1)).toBe(1)
        expect(server.appliedCount(op2)).toBe(1)
        expect(deliveriesOf(op1)).toHaveLength(1)
        expect(deliveriesOf(op2)).toHaveLength(1)
        expect(server.widget('w-1')).toMatchObject({ value: before.w1.value + 3, version: before.w1.version + 1 })
        expect(server.widget('w-2')).toMatchObject({ title: 'Offline rename' })
        expect(connections).toBe(connectionsOffline + 1)
        await page.waitForSelector('[data-testid="sync-badge"][data-state="synced"]')
        await waitForCount(page, '[data-testid^="widget-w-"][data-status="ready"]', DEMO_WIDGET_IDS.length)
        expect(await page.getAttribute('[data-testid="rollbacks"]', 'data-count')).toBe('0')
        expect(await page.getAttribute('[data-testid="conflicts"]', 'data-count')).toBe('0')

        // The activity log tells the story, newest first.
        await page.waitForFunction((n) => document.querySelectorAll('[data-testid="activity-log"] li').length > n, activityBefore)
        const log = await page.locator('[data-testid="activity-log"] li .activity__text').allTextContents()
        const at = (pattern: RegExp) => log.findIndex((text) => pattern.test(text))
        expect(at(/^offline · socket closed, 0 edits queued$/)).toBeGreaterThan(at(/^online · connecting, 2 queued edits to send$/))
        expect(at(/^online · connecting/)).toBeGreaterThan(at(/^socket open$/))
        expect(at(/^socket open$/)).toBeGreaterThan(at(/^synced \(reconnect\)/))
        expect(at(/^stale \(reconnect\) · widgets$/)).toBeGreaterThan(at(/^online/))
        expect(log).toContain('offline · socket closed, 0 edits queued')
      }, 40_000)

      it('Chromium going offline (context.setOffline) is offline too: the socket closes, none opens until the network is back', async () => {
        await open(page, `${QUERY}&user=alice`)
        await context.setOffline(true)
        await waitForStatus(page, 'offline')
        await until('the server to see the socket go', () => server.clientCount() === 0)
        const connectionsOffline = connections
        expect(await page.getAttribute('[data-testid="offline-switch"]', 'data-source')).toBe('browser')
        expect(await page.textContent('[data-testid="last-close"]')).toContain('4002')
        await waitForText(page, 'sync-status', 'offline · 0 queued')
        await page.click('[data-testid="widget-dec-w-4"]')
        await waitForText(page, 'sync-status', 'offline · 1 queued')
        const opId = await opIdOn(page, 'w-4')
        await waitStored(page, opId, 'this')
        // Switching the simulation off changes nothing while the browser itself is offline: no
        // online(), no attempt (the click's dispatch is synchronous; one frame lets React commit).
        await page.click('[data-testid="offline-switch"]')
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)))
        expect(await statusText(page)).toBe('offline')
        expect(await page.textContent('[data-testid="activity-log"]')).not.toContain('online ·')
        expect(connections).toBe(connectionsOffline)

        await context.setOffline(false)
        await waitForStatus(page, 'open')
        await waitDrained(page)
        expect(server.appliedCount(opId)).toBe(1)
        expect(server.widget('w-4')).toMatchObject({ value: seeded.get('w-4')!.value - 1 })
        expect(connections).toBe(connectionsOffline + 1)
      })

      it('an edit made offline survives a reload while still offline, reaches the server exactly once when back online, and shows on a second page', async () => {
        await open(page, `${QUERY}&user=alice`)
        await flip(page, 'offline')
        await until('the server to see the socket go', () => server.clientCount() === 0)
        await page.locator('[data-testid="widget-slider-w-3"]').fill('12')
        const opId = await opIdOn(page, 'w-3')
        await waitStored(page, opId, 'this')
        // Meanwhile someone else changes w-3 (the page, offline, does not hear of it).
        const remoteVersion = server.touch('w-3', { value: 55 })

        // Reload, still offline: the page starts offline, opens no socket, and reads its outbox back.
        const connectionsBefore = connections
        await page.reload()
        await waitForStatus(page, 'offline')
        await page.waitForSelector('[data-testid="pending-ops"][data-outbox-status="ready"]')
        expect(await opIdOn(page, 'w-3')).toBe(opId) // the same op, with its opId
        await waitStored(page, opId, 'this')
        // The view stands on the stored base: the edit is shown, pending, before any server answer.
        await waitForText(page, 'widget-value-w-3', '12')
        expect(await page.getAttribute('[data-testid="widget-w-3"]', 'data-pending')).toBe('true')
        await waitForText(page, 'sync-status', 'offline · 1 queued')
        expect(await page.textContent('[data-testid="activity-log"]')).toContain('outbox “alice” read back: 1 op')
        expect(connections).toBe(connectionsBefore)
        expect(server.clientCount()).toBe(0)
        expect(deliveriesOf(opId)).toHaveLength(0)

        // A second page (another person) sees the server's w-3, without the offline edit.
        const viewer = await newPerson()
        await open(viewer, `${QUERY}&user=viewer`)
        await waitForText(viewer, 'widget-value-w-3', '55')

        // Back online: the edit goes out once and wins over the change made meanwhile.
        await flip(page, 'open')
        await waitDrained(page)
        expect(server.appliedCount(opId)).toBe(1)
        expect(deliveriesOf(opId)).toHaveLength(1)
        expect(server.widget('w-3')).toMatchObject({ value: 12, version: remoteVersion + 1 })
        await waitForText(viewer, 'widget-value-w-3', '12')
        await waitForText(page, 'widget-value-w-3', '12')
        expect(await page.getAttribute('[data-testid="widget-w-3"]', 'data-version')).toBe(String(remoteVersion + 1))
        expect(await page.getAttribute('[data-testid="rollbacks"]', 'data-count')).toBe('0')
      }, 40_000)

      it('two tabs of one user share the persisted outbox, and each delivers only its own ops: never both at once', async () => {
        const tabB = watch(await context.newPage())
        await open(page, `${QUERY}&user=carol`)
        await open(tabB, `${QUERY}&user=carol`)
        await flip(page, 'offline')
        await flip(tabB, 'offline')
        await page.bringToFront()
        await page.click('[data-testid="widget-inc-w-4"]')
        await tabB.bringToFront()
        await tabB.click('[data-testid="widget-inc-w-5"]')
        const opA = await opIdOn(page, 'w-4')
        const opB = await opIdOn(tabB, 'w-5')
        // One IndexedDB: each tab sees both records, its own and the other tab's.
        await waitStored(page, opA, 'this')
        await waitStored(page, opB, 'other')
        await waitStored(tabB, opB, 'this')
        await waitStored(tabB, opA, 'other')

        // B comes back: it delivers its op, and leaves A's to A (A is alive, only offline).
        await flip(tabB, 'open')
        await tabB.waitForSelector('[data-testid="pending-ops"][data-count="0"]')
        expect(server.appliedCount(opB)).toBe(1)
        await tabB.waitForSelector(`[data-testid="persisted-ops"][data-count="1"]`)
        await waitStored(tabB, opA, 'other')
        expect(deliveriesOf(opA)).toHaveLength(0)
        expect(await tabB.isVisible(`[data-testid="pending-op"][data-op-id="${opA}"]`)).toBe(false)

        // A comes back and delivers its own.
        await flip(page, 'open')
        await waitDrained(page)
        await waitDrained(tabB)
        expect(server.appliedCount(opA)).toBe(1)
        expect(deliveriesOf(opA)).toHaveLength(1)
        expect(deliveriesOf(opB)).toHaveLength(1)
        expect(server.widget('w-4')).toMatchObject({ value: seeded.get('w-4')!.value + 1 })
        expect(server.widget('w-5')).toMatchObject({ value: seeded.get('w-5')!.value + 1 })
        // Each tab shows both edits.
        for (const p of [page, tabB]) {
          await waitForText(p, 'widget-value-w-4', String(seeded.get('w-4')!.value + 1))
          await waitForText(p, 'widget-value-w-5', String(seeded.get('w-5')!.value + 1))
        }
      }, 40_000)

      it('none lost when a tab closes: the other tab of the same user takes its queued ops over and delivers them', async () => {
        const tabB = watch(await context.newPage())
        await open(page, `${QUERY}&user=dave`)
        await open(tabB, `${QUERY}&user=dave`)
        await flip(page, 'offline')
        await page.locator('[data-testid="widget-slider-w-6"]').fill('7')
        await page.click('[data-testid="widget-title-w-1"]')
        await page.fill('[data-testid="widget-title-input-w-1"]', 'Written by a closed tab')
        await page.press('[data-testid="widget-title-input-w-1"]', 'Enter')
        const op6 = await opIdOn(page, 'w-6')
        const op1 = await opIdOn(page, 'w-1')
        await waitStored(tabB, op6, 'other')
        await waitStored(tabB, op1, 'other')
        expect(deliveriesOf(op6)).toHaveLength(0)

        // The offline tab closes with its edits queued; the online tab takes them over.
        await page.close()
        await until('the taken-over ops to be applied', () => server.appliedCount(op6) === 1 && server.appliedCount(op1) === 1)
        await waitDrained(tabB)
        expect(deliveriesOf(op6)).toHaveLength(1)
        expect(deliveriesOf(op1)).toHaveLength(1)
        expect(server.widget('w-6')).toMatchObject({ value: 7 })
        expect(server.widget('w-1')).toMatchObject({ title: 'Written by a closed tab' })
        await waitForText(tabB, 'widget-value-w-6', '7')
        await waitForText(tabB, 'widget-title-w-1', 'Written by a closed tab')
        expect(await tabB.textContent('[data-testid="activity-log"]')).toContain('outbox “dave”: took over 2 ops of a page that closed')
      }, 40_000)

      it('per-widget refresh and Refresh all: stale until the SYNC answers, then ready', async () => {
        await open(page, `${QUERY}&user=erin`)
        await page.waitForSelector('[data-testid="sync-badge"][data-state="synced"]')
        server.faults.replyDelayMs = 600 // the SYNC reply waits: the stale state is visible
        const syncs = syncRequests()

        await page.click('[data-testid="widget-refresh-w-2"]')
        await page.waitForSelector('[data-testid="widget-w-2"][data-status="stale"]')
        expect(await page.isVisible('[data-testid="widget-stale-w-2"]')).toBe(true)
        // Only that widget is marked.
        expect(await page.locator('[data-testid^="widget-w-"][data-status="stale"]').count()).toBe(1)
        await page.waitForSelector('[data-testid="sync-badge"][data-state="syncing"]')
        await page.waitForSelector('[data-testid="widget-w-2"][data-status="ready"]')
        await page.waitForSelector('[data-testid="sync-badge"][data-state="synced"]')
        expect(syncRequests()).toBe(syncs + 1)
        expect(await page.textContent('[data-testid="activity-log"]')).toMatch(/synced \(manual\)/)

        // A change the page missed (a broadcast numbered but sent to nobody) is brought by Refresh all.
        server.faults.dropBroadcasts = 1
        const version = server.touch('w-5', { value: 3.5 })
        await page.click('[data-testid="refresh-all"]')
        await waitForCount(page, '[data-testid^="widget-w-"][data-status="stale"]', DEMO_WIDGET_IDS.length)
        await waitForCount(page, '[data-testid^="widget-w-"][data-status="ready"]', DEMO_WIDGET_IDS.length)
        await waitForText(page, 'widget-value-w-5', '3.5')
        expect(await page.getAttribute('[data-testid="widget-w-5"]', 'data-version')).toBe(String(version))
        expect(syncRequests()).toBe(syncs + 2)
      })
    })

    describe('two people on one widget', () => {
      /** The ops of this test on widget `id` the server received, by opId (replays folded). */
      const opIdsFor = (id: string) => [
        ...new Set(server.received.filter((m) => m.type === 'WIDGET_UPDATE' && (m.data as { id?: unknown } | undefined)?.id === id).map((m) => m.id!)),
      ]

      /** Every rollback record `p` shows for widget `id`, as `{ reason, appliedAfterAll }`. */
      const rollbacksOn = (p: Page, id: string) =>
        p.$$eval(`[data-testid="rollback"][data-key="${id}"]`, (rows) =>
          rows.map((row) => ({ reason: row.getAttribute('data-reason'), appliedAfterAll: row.getAttribute('data-applied-after-all') === 'true' })),
        )

      beforeEach(() => {
        Object.assign(server.faults, DEFAULT_FAULTS)
        server.received.length = 0
        server.seedWidgets(demoWidgets(DEMO_WIDGET_IDS, seededRandom(23)))
      })

      afterEach(() => {
        server.seedWidgets([])
      })

      it('with the demo’s defaults (the ticker moving every widget every second, REMOTE_WINS), two edits at once are both applied, the ticker leaves the widget alone, and both pages end on the same value', async () => {
        // What `npm run demo` runs: startDemoTicker(server) with its defaults (1 s, 5 s edit grace).
        const ticker = startDemoTicker(server)
        try {
          const bob = await newPerson()
          await open(page, `${QUERY}&user=alice`)
          await open(bob, `${QUERY}&user=bob`)
          const start = server.widget('w-1')!.version
          await until('the ticker to move w-1', () => server.widget('w-1')!.version > start, 5_000)

          // Alice and Bob set w-1 at the same moment.
          await Promise.all([page.locator('[data-testid="widget-slider-w-1"]').fill('20'), bob.locator('[data-testid="widget-slider-w-1"]').fill('80')])
          await until('both edits to reach the server', () => opIdsFor('w-1').length === 2)
          const ops = opIdsFor('w-1')
          await until('both edits to be applied', () => ops.every((opId) => server.appliedCount(opId) === 1))
          const after = server.widget('w-1')!
          // Whoever came second wins; the ticker did not overwrite either of them.
          expect([20, 80]).toContain(after.value)

          // Two more ticker rounds: the other widgets move, w-1 (edited less than 5 s ago) does not.
          const w2 = server.widget('w-2')!.version
          await until('two more ticker rounds', () => server.widget('w-2')!.version >= w2 + 2, 5_000)
          expect(server.widget('w-1')).toMatchObject({ value: after.value, version: after.version })

          for (const p of [page, bob]) {
            await p.waitForSelector('[data-testid="widget-w-1"][data-pending="false"]')
            await waitForText(p, 'widget-value-w-1', String(after.value))
            expect(await p.getAttribute('[data-testid="widget-w-1"]', 'data-version')).toBe(String(after.version))
            // No edit was lost: a rollback, if any, is one the server applied after all.
            for (const rollback of await rollbacksOn(p, 'w-1')) expect(rollback).toEqual({ reason: 'conflict', appliedAfterAll: true })
          }
          expect(ops.map((opId) => server.appliedCount(opId))).toEqual([1, 1])
        } finally {
          ticker.stop()
        }
      }, 40_000)

      it('a server change while an edit is still in its debounce window is no conflict: the edit goes out on the new version and wins', async () => {
        // A long window (?debounce=3000), so the other person's change lands inside it for sure.
        const bob = await newPerson()
        await open(page, `${QUERY}&user=alice&debounce=3000`)
        await open(bob, `${QUERY}&user=bob`)
        const before = server.widget('w-2')!

        // Bob is typing a new title for w-2...
        await bob.click('[data-testid="widget-title-w-2"]')
        await bob.fill('[data-testid="widget-title-input-w-2"]', 'Renamed by Bob')
        // ...Alice moves its slider, and Bob presses Enter while Alice's edit waits out its window.
        await page.locator('[data-testid="widget-slider-w-2"]').fill('33')
        await bob.press('[data-testid="widget-title-input-w-2"]', 'Enter')
        const opId = await opIdOn(page, 'w-2')
        await waitForText(page, 'widget-title-w-2', 'Renamed by Bob')
        expect(deliveriesOf(opId)).toHaveLength(0)
        // Alice's edit is still shown, still pending, and nothing was rolled back or called a conflict.
        expect(await page.textContent('[data-testid="widget-value-w-2"]')).toBe('33')
        expect(await page.getAttribute('[data-testid="widget-w-2"]', 'data-pending')).toBe('true')

        await page.waitForSelector('[data-testid="widget-w-2"][data-pending="false"]')
        expect(server.appliedCount(opId)).toBe(1)
        expect(deliveriesOf(opId)[0]!.data).toMatchObject({ value: 33, baseVersion: before.version + 1 })
        expect(server.widget('w-2')).toMatchObject({ value: 33, title: 'Renamed by Bob', version: before.version + 2 })
        for (const p of [page, bob]) {
          await waitForText(p, 'widget-value-w-2', '33')
          await waitForText(p, 'widget-title-w-2', 'Renamed by Bob')
          expect(await p.getAttribute('[data-testid="conflicts"]', 'data-count')).toBe('0')
          expect(await p.getAttribute('[data-testid="rollbacks"]', 'data-count')).toBe('0')
        }
      })
    })
  },
)
