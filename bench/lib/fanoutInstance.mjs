/**
 * One reference server instance for the fan-out bench, run as
 *   node --import tsx --expose-gc bench/lib/fanoutInstance.mjs '<options JSON>'
 * (options: `{ redis?: { url, prefix } }`), started by lib/fanoutServers.mjs. Unlike main.ts it
 * lifts the per-connection rate limit (the writers send as fast as ACKs come back; the bucket's
 * 500 ops/s would be what is measured otherwise) and the per-address connection cap (every bench
 * socket comes from 127.0.0.1, up to 1,000 of them); every other limit keeps its default.
 */
import { startServer } from '../../examples/server/index.ts'
import { serveUsage } from './instanceIpc.mjs'
import { FANOUT_WIDGETS, widgetId } from './fanoutProtocol.mjs'

const options = JSON.parse(process.argv[2] ?? '{}')
const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  // The log of received frames is for tests; keep it small so it does not weigh on RSS.
  maxReceived: 1_000,
  maxAppliedOps: 1_000,
  limits: { rateLimit: false, maxConnectionsPerAddress: 100_000 },
  widgets: Array.from({ length: FANOUT_WIDGETS }, (_, i) => ({ id: widgetId(i), value: 0 })),
  ...(options.redis ? { redis: options.redis } : {}),
})
process.on('SIGTERM', () => server.stop().then(() => process.exit(0), () => process.exit(1)))
serveUsage(server.url)
