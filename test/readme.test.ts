import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startServer, type ReferenceServer } from '../examples/server'
import { makeStore } from '../examples/readme/store'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

let server: ReferenceServer | undefined
let stores: Array<ReturnType<typeof makeStore>> = []
afterEach(async () => {
  for (const { store, realtime } of stores) store.dispatch(realtime.actions.disconnect())
  stores = []
  await server?.stop()
})

describe('README', () => {
  it('opens with exactly the two fresh-clone commands', () => {
    const firstBlock = readme.match(/```sh\n([\s\S]*?)```/)![1]!.trim().split('\n')
    expect(firstBlock).toHaveLength(2)
    expect(firstBlock[0]).toMatch(/^npm install && npm run demo\b/)
    expect(firstBlock[1]).toMatch(/^npm ci && npm test\b/)
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect(pkg.scripts.demo).toBeTruthy()
    expect(pkg.scripts.test).toBeTruthy()
  })

  it('shows examples/readme/store.ts verbatim as its usage example', () => {
    const source = readFileSync(new URL('../examples/readme/store.ts', import.meta.url), 'utf8')
    expect(readme).toContain('```ts\n' + source + '```')
  })

  it('the usage example connects, routes WIDGET_UPDATE into the widgets slice, sends and requests', async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' })
    const app = makeStore(server.url)
    stores.push(app)
    const { realtime, store } = app
    await vi.waitFor(() => expect(realtime.selectors.selectConnectionStatus(store.getState())).toBe('open'))

    server.broadcast('WIDGET_UPDATE', { id: 'w-1', value: 42, version: 1 })
    await vi.waitFor(() => expect(store.getState().widgets['w-1']).toEqual({ id: 'w-1', value: 42, version: 1 }))

    store.dispatch(realtime.actions.send('SUBSCRIBE', { board: 'ops' }))
    await vi.waitFor(() => expect(server!.received.map((m) => m.type)).toContain('SUBSCRIBE'))

    const reply = await store.dispatch(realtime.request('ECHO', { hello: 1 }))
    expect(reply.data).toEqual({ hello: 1 })

    expect(realtime.getConfig('websocket.HEARTBEAT_INTERVAL')).toBe(15_000)
  })
})
