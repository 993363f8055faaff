import { describe, it, expect, afterEach } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startServer } from '../../examples/server/createServer'
import { demoWidgets, startDemoTicker } from '../../examples/server/demo'
import { connectTestClient } from '../../examples/server/testClient'
import type { ReferenceServer, WireMessage } from '../../examples/server/types'

const root = fileURLToPath(new URL('../..', import.meta.url))
const children: ChildProcess[] = []
const servers: ReferenceServer[] = []

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

function run(args: string[]): { child: ChildProcess; stdout: Promise<string>; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/server/main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  const stdout = new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      out += chunk
      if (out.includes('\n')) resolve(out)
    })
    child.once('exit', () => resolve(out))
    child.once('error', reject)
  })
  let err = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => (err += chunk))
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, stdout, stderr: () => err, exit }
}

describe('reference server CLI', () => {
  it('prints exactly one ready line, serves the socket, and exits 0 on SIGTERM', async () => {
    const { child, stdout, exit } = run(['--port', '0', '--host', '127.0.0.1', '--demo'])
    const line = await stdout
    const match = /^rtk-realtime reference server listening on http:\/\/127\.0\.0\.1:(\d+) \(ws: ws:\/\/127\.0\.0\.1:(\d+)\/ws\)\n$/.exec(line)
    expect(match, line).not.toBeNull()
    expect(match?.[1]).toBe(match?.[2])
    // --demo needs a demo token (demoAuth.ts); without one the upgrade is refused with 401.
    await expect(connectTestClient(`ws://127.0.0.1:${match?.[1]}/ws`)).rejects.toThrow(/401/)
    const client = await connectTestClient(`ws://127.0.0.1:${match?.[1]}/ws?token=demo.cli.abcdef`)
    expect((await client.request('ECHO', 'cli')).data).toBe('cli')
    const seeded = (await client.request('GET_WIDGETS')).data as { widgets: Array<Record<string, unknown>> }
    expect(seeded.widgets.map((w) => w.id)).toEqual(['w-1', 'w-2', 'w-3', 'w-4', 'w-5', 'w-6'])
    expect(seeded.widgets[0]).toEqual({ id: 'w-1', title: 'Widget 1', value: expect.any(Number), version: expect.any(Number) })
    const update = await client.next((m) => m.type === 'WIDGET_UPDATE', 3_000)
    expect(update.data).toMatchObject({ id: expect.stringMatching(/^w-[1-6]$/), title: expect.any(String), version: expect.any(Number) })
    expect((update.data as { version: number }).version).toBeGreaterThanOrEqual(2) // seeded at 1, moved by touch
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
    await client.closed
  })

  it('exits with a clear error when --static does not exist', async () => {
    const { exit, stderr } = run(['--port', '0', '--static', 'does/not/exist'])
    expect(await exit).toBe(1)
    expect(stderr()).toMatch(/--static directory does not exist: does\/not\/exist/)
  })
})

describe('demo ticker', () => {
  it('moves seeded widgets through touch: one WIDGET_UPDATE per widget each round, versions incrementing per widget', async () => {
    const seed = demoWidgets(['w-1', 'w-2', 'w-3'], () => 0.5)
    expect(seed).toEqual([
      { id: 'w-1', title: 'Widget 1', value: 50 },
      { id: 'w-2', title: 'Widget 2', value: 50 },
      { id: 'w-3', title: 'Widget 3', value: 50 },
    ])
    const server = await startServer({ port: 0, host: '127.0.0.1', widgets: seed })
    servers.push(server)
    server.deleteWidget('w-3') // a deleted widget stays deleted: the ticker skips it
    const client = await connectTestClient(server.url)
    const ticker = startDemoTicker(server, { intervalMs: 60_000, widgetIds: ['w-1', 'w-2', 'w-3'], random: () => 0.5 })
    ticker.tick()
    ticker.tick()
    ticker.stop()
    const got: WireMessage[] = []
    for (let i = 0; i < 4; i++) got.push(await client.next())
    expect(got.map((m) => [(m.data as { id: string }).id, (m.data as { version: number }).version, m.seq])).toEqual([
      ['w-1', 2, 2],
      ['w-2', 2, 3],
      ['w-1', 3, 4],
      ['w-2', 3, 5],
    ])
    expect(got.every((m) => m.type === 'WIDGET_UPDATE' && (m.data as { value: number }).value === 50 && !('opId' in (m.data as object)))).toBe(true)
    expect(got[0]?.data).toEqual({ id: 'w-1', title: 'Widget 1', value: 50, version: 2 })
    expect(server.widgets()).toEqual([
      { id: 'w-1', title: 'Widget 1', value: 50, version: 3 },
      { id: 'w-2', title: 'Widget 2', value: 50, version: 3 },
    ])
    client.ws.terminate()
  })
})
