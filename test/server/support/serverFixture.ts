import { afterEach } from 'vitest'
import { startServer } from '../../../examples/server/createServer'
import { connectTestClient, type TestClient } from '../../../examples/server/testClient'
import type { ReferenceServer, StartServerOptions, WireMessage } from '../../../examples/server/types'

/**
 * Servers on 127.0.0.1 with a random port and `ws` test clients, all torn down after each test.
 * Call once at the top of a test file.
 */
export function useServerFixture() {
  const servers: ReferenceServer[] = []
  const clients: TestClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate()
    await Promise.all(servers.splice(0).map((server) => server.stop()))
  })
  return {
    async start(options: Omit<StartServerOptions, 'redis'> = {}): Promise<ReferenceServer> {
      const server = await startServer({ port: 0, host: '127.0.0.1', ...options })
      servers.push(server)
      return server
    },
    async connect(server: ReferenceServer): Promise<TestClient> {
      const client = await connectTestClient(server.url)
      clients.push(client)
      return client
    },
  }
}

/** Matches the reply to the message with this id. */
export const replyTo = (id: string) => (m: WireMessage) => m.replyTo === id
