import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { connectTestClient } from '../../examples/server'
import { useRedisInstances } from './support/redisInstances'
import { redisServerInstalled } from './support/redisServer'

/**
 * `main.ts --redis <url> --demo` (issue 9): the CLI runs the demo on Redis, its ticker moving the
 * widgets through Redis, so the clients of another instance (without --demo) see the moves.
 */

const root = fileURLToPath(new URL('../..', import.meta.url))
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

/** Starts the CLI and resolves with its socket URL once it printed its ready line. */
function startCli(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/server/main.ts', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  let err = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const url = /\(ws: (ws:\/\/\S+)\)\n/.exec(out)?.[1]
      if (url) resolve(url)
    })
    child.once('exit', (code) => reject(new Error(`main.ts ${args.join(' ')} exited with ${code}: ${err}`)))
  })
}

describe.skipIf(!redisServerInstalled && !process.env.CI)('reference server CLI on Redis', () => {
  const redis = useRedisInstances()

  it('--demo runs with --redis: the ticker of one instance moves the widgets for the clients of another', async () => {
    const demo = await startCli(['--redis', redis.url(), '--demo'])
    const plain = await startCli(['--redis', redis.url()])
    // The plain instance has no demo token check; the demo one seeded w-1..w-6 into Redis.
    const client = await connectTestClient(plain)
    const seeded = (await client.request('GET_WIDGETS')).data as { widgets: { id: string }[] }
    expect(seeded.widgets.map((widget) => widget.id)).toEqual(['w-1', 'w-2', 'w-3', 'w-4', 'w-5', 'w-6'])
    const update = await client.next((message) => message.type === 'WIDGET_UPDATE', 5_000)
    expect(update.seq).toBeGreaterThanOrEqual(1)
    expect((update.data as { version: number }).version).toBeGreaterThanOrEqual(2)
    await expect(connectTestClient(demo)).rejects.toThrow(/401/)
    await client.close()
  })
})
