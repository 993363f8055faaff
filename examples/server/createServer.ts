/**
 * `startServer`: wires the HTTP server, the WebSocket upgrade on one path, the dispatcher, the
 * broadcast log, the widget store and the fault knobs into a {@link ReferenceServer}.
 */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { authenticateRequest, chooseProtocol, originAllowed } from './admission'
import { createBackpressure } from './backpressure'
import { fanOut } from './blast'
import { createBroadcastBatcher } from './broadcastBatcher'
import { dispatchFrame, type ClientConnection, type DispatchDeps } from './dispatch'
import { DEFAULT_ENTITY_BROADCAST_TYPE, DEFAULT_ENTITY_MESSAGES } from './entityMessages'
import { createFaultyReplier, createFaults } from './faults'
import { createSyncHandler, defaultRequestHandlers } from './handlers'
import { startHeartbeat } from './heartbeat'
import { resolveLimits } from './limits'
import { createReceivedLog } from './receivedLog'
import { openRedisBackend } from './redis/redisBackend'
import { createServerState, stateData } from './serverState'
import { createStaticHandler, sendText } from './staticFiles'
import { createTokenBucket, UNLIMITED } from './tokenBucket'
import type { RedisOptions } from './redis/redisStore'
import type { AnyReferenceServer, BroadcastFrame, EntityOpKind, MessageHandler, ReceivedMessage, ReferenceServer, RequestHandler, SharedReferenceServer, StartServerOptions } from './types'
import { createWidgetApi } from './widgetApi'

/** How many broadcasts the SYNC log keeps. */
export const BROADCAST_LOG_CAPACITY = 1_000
/**
 * How many applied op ids a server remembers for de-duplication (option `answeredIdsCapacity`).
 * Forgetting is by count, never by time: a replay after an outage of any length is recognized as
 * long as fewer than this many other ops were applied meanwhile (the client's outbox holds at
 * most 100 ops, so one client's own replays never push each other out), and across a restart
 * on the same `state`.
 */
export const ANSWERED_IDS_CAPACITY = 10_000
/** How many applications `appliedOps()` keeps by default (option `maxAppliedOps`). */
export const APPLIED_OPS_CAPACITY = 100_000

/** A refusal written on a raw socket before (or instead of) a WebSocket handshake. */
function refuseSocket(socket: Socket, status: string, reason: string): void {
  const body = `${reason}\n`
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/**
 * Starts a reference server and resolves once it listens: with `redis`, a
 * {@link SharedReferenceServer} (its in-process changes go through Redis and return promises).
 * Without `redis`, a {@link ReferenceServer}; options whose `redis` may or may not be set give
 * {@link AnyReferenceServer} (narrow it on `server.redis`, or await every change).
 *
 * @example
 * const server = await startServer({ port: 0 })
 * const ws = new WebSocket(server.url)
 * // ...
 * await server.stop()
 */
export async function startServer(options: StartServerOptions & { redis: string | RedisOptions }): Promise<SharedReferenceServer>
export async function startServer(options?: StartServerOptions & { redis?: undefined }): Promise<ReferenceServer>
export async function startServer(options: StartServerOptions): Promise<AnyReferenceServer>
export async function startServer(options: StartServerOptions = {}): Promise<AnyReferenceServer> {
  const host = options.host ?? '127.0.0.1'
  const wsPath = options.path ?? '/ws'
  const log = options.log ?? (() => {})
  const maxReceived = options.maxReceived ?? Infinity
  const limits = resolveLimits(options.limits)
  const allowControl = options.allowControl ?? false
  const staticHandler = options.staticDir === undefined ? null : createStaticHandler(options.staticDir)

  const faults = createFaults(options.faults)
  // Broadcasts of one macrotask leave as one BATCH frame per client; whatever else goes to a
  // client (a reply, raw bytes, a blast) first sends what is held for it, so order is kept.
  const backpressure = createBackpressure(limits.maxBufferedBytes, (ws, buffered) =>
    log(`closing a client too slow to read: ${buffered} bytes waiting, over limits.maxBufferedBytes (${limits.maxBufferedBytes})`),
  )
  const outbound = createBroadcastBatcher(options.broadcastBatch, backpressure)
  const replier = createFaultyReplier(faults, (socket) => outbound.flush(socket), backpressure)
  const received: ReceivedMessage[] = []
  const receivedLog = createReceivedLog(received, limits.maxReceivedBytes, maxReceived)
  const now = options.now ?? Date.now
  if (options.state && options.widgets) {
    throw new TypeError('startServer: pass either state (continue from a server) or widgets (a fresh state), not both')
  }
  if (options.state && options.redis) {
    throw new TypeError('startServer: pass either state (continue from a server in memory) or redis (share state through Redis), not both')
  }
  const entityBroadcastType = options.entityBroadcastType ?? DEFAULT_ENTITY_BROADCAST_TYPE
  const redis = options.redis === undefined ? null : await openRedisBackend(options.redis, options.widgets, entityBroadcastType)
  const state =
    options.state ??
    createServerState({
      // On Redis the widgets live there; the local state keeps the SYNC log and accounting.
      widgets: redis ? undefined : options.widgets,
      answeredIdsCapacity: options.answeredIdsCapacity ?? ANSWERED_IDS_CAPACITY,
      broadcastLogCapacity: BROADCAST_LOG_CAPACITY,
      maxAppliedOps: options.maxAppliedOps ?? APPLIED_OPS_CAPACITY,
    })
  const data = stateData(state)
  if (data.inUse) {
    throw new Error('startServer({ state }): another server is still running on this state; await its stop() or kill() first')
  }
  const { answered, broadcasts, store } = data
  if (redis) data.seq = redis.startSeq
  // Snapshots are made of the same frames as the broadcasts.
  const syncHandler: [string, RequestHandler][] = entityBroadcastType === DEFAULT_ENTITY_BROADCAST_TYPE ? [] : [['SYNC', createSyncHandler(entityBroadcastType)]]
  const requestHandlers = new Map<string, RequestHandler>([...defaultRequestHandlers, ...syncHandler, ...(redis?.requestHandlers ?? []), ...(options.requestHandlers ?? [])])
  const messageHandlers = new Map<string, MessageHandler>(options.messageHandlers ?? [])
  const entityMessages = new Map<string, EntityOpKind>(options.entityMessages ?? DEFAULT_ENTITY_MESSAGES)
  let stopping: Promise<void> | null = null
  const waiters = new Set<{ n: number; resolve: () => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>()

  // Slow handshakes (slowloris) are cut by Node's own request timeouts, checked often enough
  // that a limit of seconds means seconds.
  const httpServer = createHttpServer(
    {
      headersTimeout: limits.handshakeTimeoutMs,
      requestTimeout: limits.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, limits.handshakeTimeoutMs / 4)),
    },
    (req, res) => {
    if (staticHandler) {
      staticHandler(req, res)
    } else {
      sendText(res, 404, 'Not Found (this server has no static directory: pass --static <dir> or build the dashboard)')
    }
  },
  )
  httpServer.on('clientError', (_error, socket) => socket.destroy())

  // Every TCP connection counts against its address, from accept to close: sockets, handshakes
  // in progress and plain HTTP alike.
  const perAddress = new Map<string, number>()
  httpServer.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?'
    const count = (perAddress.get(address) ?? 0) + 1
    if (count > limits.maxConnectionsPerAddress) {
      log(`refused a connection from ${address}: over limits.maxConnectionsPerAddress (${limits.maxConnectionsPerAddress})`)
      socket.on('error', () => socket.destroy())
      refuseSocket(socket, '503 Service Unavailable', `too many connections from this address (limits.maxConnectionsPerAddress = ${limits.maxConnectionsPerAddress})`)
      return
    }
    perAddress.set(address, count)
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1
      if (left > 0) perAddress.set(address, left)
      else perAddress.delete(address)
    })
  })

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: true,
    // ws refuses a larger frame with 1009 as its header arrives, before buffering it.
    maxPayload: Number.isFinite(limits.maxPayloadBytes) ? limits.maxPayloadBytes : 0,
    handleProtocols: (offered) => chooseProtocol(offered),
  })
  wss.on('error', (error) => log(`ws server error: ${error.message}`))

  /** Who is on each socket; set before the 'connection' event, read by the dispatcher. */
  const connections = new WeakMap<WebSocket, ClientConnection>()
  const newBucket = () => {
    const rate = limits.rateLimit
    return rate === false ? UNLIMITED : createTokenBucket(rate.opsPerSecond, rate.burst, () => performance.now())
  }

  httpServer.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const pathname = (req.url ?? '').split('?', 1)[0]
    if (pathname !== wsPath || stopping) {
      log(`refused upgrade on ${pathname ?? '?'}`)
      refuseSocket(socket, '404 Not Found', stopping ? 'the server is stopping' : `no WebSocket endpoint on this path (startServer path: ${wsPath})`)
      return
    }
    if (!originAllowed(req, options.allowedOrigins)) {
      log(`refused upgrade from origin ${req.headers.origin ?? '?'} (not in allowedOrigins)`)
      refuseSocket(socket, '403 Forbidden', `origin ${req.headers.origin ?? '?'} is not allowed (startServer allowedOrigins)`)
      return
    }
    const accept = (userId: string | undefined): void => {
      if (stopping || socket.destroyed) {
        socket.destroy()
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        transports.set(ws, socket)
        connections.set(ws, userId === undefined ? { bucket: newBucket() } : { userId, bucket: newBucket() })
        wss.emit('connection', ws, req)
      })
    }
    const authenticate = options.authenticate
    if (!authenticate) {
      accept(undefined)
      return
    }
    authenticating.add(socket)
    void authenticateRequest(authenticate, req, limits.handshakeTimeoutMs).then((admission) => {
      authenticating.delete(socket)
      if (typeof admission === 'object') {
        accept(admission.userId)
      } else if (admission === 'timeout') {
        log(`refused upgrade: authenticate did not answer within limits.handshakeTimeoutMs (${limits.handshakeTimeoutMs})`)
        refuseSocket(socket, '503 Service Unavailable', `authentication did not answer in time (limits.handshakeTimeoutMs = ${limits.handshakeTimeoutMs})`)
      } else {
        log('refused upgrade: authenticate refused the request')
        refuseSocket(socket, '401 Unauthorized', 'authentication failed (a valid token is needed: ?token= or Sec-WebSocket-Protocol token.<token>)')
      }
    })
  })

  /** Upgrades waiting on `authenticate`: no HTTP timeout covers them, and stop() ends them. */
  const authenticating = new Set<Socket>()

  /** The TCP socket under each client, so blasts can cork it (see fanOut). */
  const transports = new WeakMap<WebSocket, Socket>()

  const openClients = (): WebSocket[] => [...wss.clients].filter((ws) => ws.readyState === WebSocket.OPEN)

  // A stopped or killed server no longer touches the state: the next server owns it.
  const alive = (what: string): void => {
    if (stopping) throw new Error(`reference server: ${what} after stop() or kill()`)
  }
  // On Redis the in-process changes go through it (and return promises: see the overloads).
  const shared = redis?.changes(now, (what) => alive(what))

  /** Sends broadcast `text` to every open client, unless the `dropBroadcasts` fault takes it. */
  const deliver = (text: string): void => {
    if (faults.dropBroadcasts > 0) {
      // Logged and numbered, not sent: the clients see a gap in seq and must SYNC.
      faults.dropBroadcasts -= 1
      return
    }
    for (const ws of openClients()) outbound.send(ws, text)
  }

  const nextBroadcast = (type: string, payload: unknown): string => {
    const seq = stopping ? data.seq : ++data.seq
    const frame: BroadcastFrame = payload === undefined ? { type, seq, ts: now() } : { type, data: payload, seq, ts: now() }
    if (!stopping) broadcasts.push(frame)
    return JSON.stringify(frame)
  }

  const shutdown = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve) => {
      data.inUse = false
      void redis?.close()
      heartbeat.stop()
      replier.cancelPending()
      outbound.drop()
      for (const waiter of waiters) {
        clearTimeout(waiter.timer)
        waiter.reject(new Error('server stopped'))
      }
      waiters.clear()
      for (const ws of wss.clients) ws.terminate()
      for (const socket of authenticating) socket.destroy()
      authenticating.clear()
      wss.close()
      httpServer.close(() => resolve())
      httpServer.closeAllConnections()
    }))

  const checkWaiters = (): void => {
    const count = openClients().length
    for (const waiter of waiters) {
      if (count >= waiter.n) {
        clearTimeout(waiter.timer)
        waiters.delete(waiter)
        waiter.resolve()
      }
    }
  }

  const server: ReferenceServer = {
    port: 0,
    url: '',
    httpUrl: '',
    faults,
    received,
    state,
    get seq() {
      return data.seq
    },
    requestHandlers,
    messageHandlers,
    entityMessages,
    widgets: () => (redis ? redis.mirror.all() : widgetApi.widgets()),
    widget: (id) => (redis ? redis.mirror.get(id) : widgetApi.widget(id)),
    touch(id, patch) {
      if (shared) return shared.touch(id, patch) as never
      alive('touch')
      return widgetApi.touch(id, patch)
    },
    deleteWidget(id) {
      if (shared) return shared.deleteWidget(id) as never
      alive('deleteWidget')
      return widgetApi.deleteWidget(id)
    },
    seedWidgets(widgets) {
      if (shared) return shared.seedWidgets(widgets) as never
      alive('seedWidgets')
      widgetApi.seedWidgets(widgets)
    },
    appliedCount: (opId) => data.applied.count(opId),
    appliedOps: () => data.applied.list(),
    lastOpAt: (id) => data.lastOpAt.get(id),
    clientCount: () => openClients().length,
    waitForClients(n, timeoutMs = 5_000) {
      return new Promise<void>((resolve, reject) => {
        if (openClients().length >= n) {
          resolve()
          return
        }
        const waiter = {
          n,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter)
            reject(new Error(`waitForClients(${n}): only ${openClients().length} connected after ${timeoutMs} ms`))
          }, timeoutMs),
        }
        waiters.add(waiter)
      })
    },
    broadcast(type, payload) {
      if (shared) return shared.broadcast(type, payload) as never
      alive('broadcast')
      deliver(nextBroadcast(type, payload))
      return data.seq
    },
    blast(count, make) {
      if (stopping) return Promise.reject(new Error('reference server: blast after stop() or kill()'))
      outbound.flushAll()
      return fanOut(
        openClients,
        count,
        (i) => {
          const { type, data: payload } = make(i)
          // On Redis a blast stays with this instance's clients, unnumbered: the global seq
          // belongs to the stream, and these synthetic frames change no widget.
          if (redis) return JSON.stringify(payload === undefined ? { type, ts: now() } : { type, data: payload, ts: now() })
          return nextBroadcast(type, payload)
        },
        { transportOf: (ws) => transports.get(ws) },
      )
    },
    broadcastsSince: (since) => broadcasts.since(since, data.seq),
    sendRaw(frame) {
      outbound.flushAll()
      for (const ws of openClients()) {
        ws.send(frame, { binary: typeof frame !== 'string' })
        backpressure(ws)
      }
    },
    closeAll(code = 1000, reason = '') {
      outbound.flushAll()
      for (const ws of wss.clients) {
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason)
      }
    },
    terminateAll() {
      for (const ws of wss.clients) ws.terminate()
    },
    stop: shutdown,
    kill() {
      // A crash: the TCP connections go first, with nothing written (no close frame, no reply
      // still waiting out its delay, no broadcast still held for its BATCH), then the listener.
      outbound.drop()
      for (const ws of wss.clients) transports.get(ws)?.destroy()
      return shutdown()
    },
  }

  const answerOnRedis = redis?.answerer({
    faults,
    replier,
    caps: limits,
    now,
    onApplied: (opId) => data.applied.record(opId),
    stopped: () => stopping !== null,
  })

  const widgetApi = createWidgetApi(store, (type, data) => server.broadcast(type, data), () => entityBroadcastType)

  const deps: DispatchDeps = {
    server,
    allowControl,
    answered,
    replier,
    store,
    frameRules: { maxDepth: limits.maxDepth, maxIdLength: limits.maxIdLength },
    maxBatchMessages: limits.maxBatchMessages,
    caps: limits,
    connection: (socket) => connections.get(socket) ?? { bucket: UNLIMITED },
    onApplied: (opId) => data.applied.record(opId),
    noteOp: (id) => data.lastOpAt.set(id, now()),
    announce: (change, opId) => widgetApi.announce(change, opId),
    record: (entry, bytes) => receivedLog.record(entry, bytes),
    log,
    asyncOp: answerOnRedis
      ? (socket, op) => {
          // A message handler runs on the instance that receives the op (deduplicated in its memory).
          if (server.messageHandlers.has(op.type)) return undefined
          return answerOnRedis(socket, op, server.entityMessages.get(op.type))
        }
      : undefined,
  }
  // Frames of one socket are handled in order: while an op waits on Redis, later ones queue.
  const queues = new WeakMap<WebSocket, Promise<void>>()
  const handleFrame = (ws: WebSocket, raw: RawData, isBinary: boolean): void => {
    const queued = queues.get(ws)
    const run = (): void | Promise<void> => (stopping ? undefined : dispatchFrame(deps, ws, raw, isBinary))
    const pending = queued ? queued.then(run) : run()
    if (!pending) return
    const tail = pending.finally(() => {
      if (queues.get(ws) === tail) queues.delete(ws)
    })
    queues.set(ws, tail)
  }
  redis?.listen((frame) => {
    // Every instance numbers and logs the same broadcasts: SYNC and seq agree across them.
    data.seq = frame.seq
    broadcasts.push(frame)
    deliver(JSON.stringify(frame))
  }, log)

  const heartbeat = startHeartbeat(() => wss.clients, limits.pingIntervalMs, () =>
    log(`terminating a client silent for a whole ping interval (limits.pingIntervalMs = ${limits.pingIntervalMs})`),
  )

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`
    log(`client connected ${peer} (${openClients().length} open)`)
    ws.on('error', (error) => log(`client ${peer} error: ${error.message}`))
    ws.on('pong', () => heartbeat.heard(ws))
    ws.on('message', (raw, isBinary) => {
      heartbeat.heard(ws)
      // A frame still buffered when the server stopped or died is never handled.
      if (!stopping) handleFrame(ws, raw, isBinary)
    })
    ws.on('close', (code) => {
      log(`client disconnected ${peer} (code ${code})`)
    })
    checkWaiters()
  })

  // Claimed before listening, so two servers started at once on one state cannot both get it.
  data.inUse = true
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      httpServer.off('listening', onListening)
      data.inUse = false
      reject(error)
    }
    const onListening = (): void => {
      httpServer.off('error', onError)
      resolve()
    }
    httpServer.once('error', onError)
    httpServer.once('listening', onListening)
    httpServer.listen(options.port ?? 0, host)
  })
  httpServer.on('error', (error) => log(`http server error: ${error.message}`))

  const port = (httpServer.address() as AddressInfo).port
  const base = `${hostForUrl(host)}:${port}`
  Object.assign(server, { port, url: `ws://${base}${wsPath}`, httpUrl: `http://${base}` })
  return server
}
