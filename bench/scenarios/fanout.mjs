/**
 * Broadcast fan-out of the reference server: widget ops from a few writer sockets, every change
 * broadcast to 100 sockets; updates/s produced (ops ACKed) and delivered (updates counted at
 * every socket), with the server in memory, on Redis, and as two instances on Redis. Variants,
 * each in a process of its own that starts its own servers (and redis-server) as children:
 *
 *   raw        floor: a bare `ws` relay doing the same wire work (lib/rawRelay.mjs)
 *   memory     1 reference server instance, state in memory (the 1.00x row)
 *   redis-1    1 instance on a fresh redis-server
 *   redis-2    2 instances on one redis-server, 50 sockets and half the writers on each
 *   apply-memory / apply-redis   the cost per op without fan-out: 1 socket sends one op at a time
 *   idle       RSS of a fresh in-memory instance with 100 and 1,000 idle sockets
 *
 * Every round sends the same ops (BENCH_FANOUT_OPS over 100 widgets; each writer keeps
 * BENCH_FANOUT_WINDOW unanswered); it ends when every op is ACKed and every socket counted every
 * broadcast. Server CPU comes from the instances (IPC), Redis's CPU and calls per command from
 * `INFO cpu` / `INFO commandstats` deltas. The instances lift the per-connection rate limit and
 * the per-address connection cap (lib/fanoutInstance.mjs). Without redis-server the Redis rows
 * say "redis-server not installed" and the others run.
 *   env: BENCH_FANOUT_OPS (5000), BENCH_FANOUT_CLIENTS (100), BENCH_FANOUT_WRITERS (10),
 *        BENCH_FANOUT_WINDOW (10), BENCH_FANOUT_APPLY_OPS (1000), BENCH_FANOUT_IDLE (1000)
 */
import { collectGarbage } from '../lib/rounds.mjs'
import { closeSockets, createFanout, openSockets } from '../lib/fanoutClients.mjs'
import { startFanoutServer } from '../lib/fanoutServers.mjs'
import { fanoutReport } from '../lib/fanoutReport.mjs'
import { redisServerInstalled, startRedisServer } from '../lib/redisServer.mjs'
import { cpuMicros, envNumber, formatRate } from '../lib/stats.mjs'

export const title = 'Broadcast fan-out'
export const usesServer = false
export const defaultRounds = { rounds: 5, warmup: 1 }

export const settings = {
  ops: envNumber('BENCH_FANOUT_OPS', 5_000),
  clients: envNumber('BENCH_FANOUT_CLIENTS', 100),
  writers: envNumber('BENCH_FANOUT_WRITERS', 10),
  window: envNumber('BENCH_FANOUT_WINDOW', 10),
  applyOps: envNumber('BENCH_FANOUT_APPLY_OPS', 1_000),
  idle: Math.max(200, envNumber('BENCH_FANOUT_IDLE', 1_000)),
}

export const variants = [
  { name: 'raw', label: 'floor: bare ws relay (ACK + one BATCH text for all)', servers: 'raw' },
  { name: 'memory', label: '1 instance, in memory', instances: 1 },
  { name: 'redis-1', label: '1 instance on Redis', instances: 1, redis: true },
  { name: 'redis-2', label: '2 instances on Redis (50 sockets each)', instances: 2, redis: true },
  { name: 'apply-memory', label: 'op cost, in memory', instances: 1, apply: true },
  { name: 'apply-redis', label: 'op cost, on Redis', instances: 1, redis: true, apply: true },
  { name: 'idle', label: 'idle sockets, in memory', idle: true },
]


/** Starts the variant's redis-server (when it needs one) and servers. */
async function startServers(variant) {
  if (variant.servers === 'raw') return { servers: [await startFanoutServer('raw')], redis: null }
  const redis = variant.redis ? await startRedisServer() : null
  const servers = []
  try {
    for (let i = 0; i < variant.instances; i++) {
      servers.push(await startFanoutServer('instance', redis ? { redis: { url: redis.url, prefix: 'bench-fanout:' } } : {}))
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()))
    await redis?.stop()
    throw error
  }
  return { servers, redis }
}

/** CPU µs of the servers (and Redis) and Redis's calls per command, to diff around a round. */
async function usageOf({ servers, redis }) {
  const perServer = await Promise.all(servers.map((s) => s.usage()))
  return { serverCpuUs: perServer.reduce((sum, u) => sum + u.cpuUs, 0), redis: redis ? await redis.usage() : null }
}

function callsDelta(before, after) {
  const delta = {}
  for (const [name, calls] of Object.entries(after.calls)) {
    const d = calls - (before.calls[name] ?? 0)
    if (d > 0) delta[name] = d
  }
  return delta
}

async function setupTraffic(variant) {
  const stack = await startServers(variant)
  const n = variant.apply ? 1 : settings.clients
  const ops = variant.apply ? settings.applyOps : settings.ops
  const sockets = await openSockets(stack.servers.map((s) => s.url), n)
  const fanout = variant.apply
    ? createFanout(sockets, { writers: 1, window: 1, ops, label: variant.name })
    : createFanout(sockets, { writers: Math.min(settings.writers, n), window: settings.window, ops, label: variant.name })
  return {
    async run() {
      collectGarbage()
      const before = await usageOf(stack)
      const cpu0 = cpuMicros()
      const { producedMs, deliveredMs } = await fanout.round()
      const clientCpuUs = cpuMicros() - cpu0
      const after = await usageOf(stack)
      const calls = stack.redis ? callsDelta(before.redis, after.redis) : null
      const sample = {
        ops,
        clients: n,
        producedRate: (ops * 1000) / producedMs,
        deliveredRate: (ops * n * 1000) / deliveredMs,
        usPerOp: (producedMs * 1000) / ops,
        serverCpuUsPerOp: (after.serverCpuUs - before.serverCpuUs) / ops,
        clientCpuUsPerOp: clientCpuUs / ops,
        redisCpuUsPerOp: stack.redis ? (after.redis.cpuUs - before.redis.cpuUs) / ops : null,
        redisCallsPerOp: calls ? Object.fromEntries(Object.entries(calls).map(([name, c]) => [name, c / ops])) : null,
      }
      sample.progress = variant.apply
        ? `${sample.usPerOp.toFixed(0)} us/op (server CPU ${sample.serverCpuUsPerOp.toFixed(0)})`
        : `${formatRate(sample.producedRate)} ops/s, ${formatRate(sample.deliveredRate)} delivered/s`
      return sample
    },
    async teardown() {
      await closeSockets(sockets)
      await Promise.all(stack.servers.map((s) => s.stop()))
      await stack.redis?.stop()
    },
  }
}

/** A fresh in-memory instance per round: RSS after a GC with 0, 100 and `settings.idle` sockets. */
async function idleRound() {
  const server = await startFanoutServer('instance')
  const sockets = []
  try {
    // A first socket opened and closed loads the upgrade path's code, which is not per-socket memory.
    await closeSockets(await openSockets([server.url], 1))
    const rss = async () => (await server.usage({ gc: true })).rss
    const rss0 = await rss()
    sockets.push(...(await openSockets([server.url], 100)))
    const rss100 = await rss()
    sockets.push(...(await openSockets([server.url], settings.idle - 100)))
    const rssIdle = await rss()
    const sample = { rss0, rss100, rssIdle, perSocket: (rssIdle - rss100) / (settings.idle - 100) }
    sample.progress = `${(sample.perSocket / 1024).toFixed(1)} KB/socket (RSS ${(rssIdle / 2 ** 20).toFixed(0)} MB with ${settings.idle})`
    return sample
  } finally {
    await closeSockets(sockets)
    await server.stop()
  }
}

export async function setupVariant(name) {
  const variant = variants.find((v) => v.name === name)
  if (!variant) throw new Error(`unknown variant ${name}`)
  if (variant.redis && !redisServerInstalled()) {
    return { run: async () => ({ missing: 'redis-server not installed', progress: 'redis-server not installed' }) }
  }
  if (variant.idle) return { run: idleRound }
  return setupTraffic(variant)
}

export function report(samples, ctx) {
  return fanoutReport(samples, ctx, { title, variants, settings })
}
