/**
 * Issue 9: with Node's `ws` the client passes `maxPayload: websocket.MAX_FRAME_BYTES`, so a frame
 * over the limit is refused as its header arrives (the socket closes with 1009) instead of being
 * buffered whole first (ws's own default limit is 100 MiB). Real sockets on 127.0.0.1, port 0.
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import type { MessageRejection } from 'rtk-realtime'
import { globalWebSocket, takesClientOptions, type WebSocketConstructor } from '../../src/world/webSocket'
import { FakeWebSocket } from '../support/fakeWebSocket'
import { cleanup, createClient, until } from '../integration/support/harness'

const MiB = 1024 * 1024
const closers: Array<() => Promise<void>> = []

afterEach(async () => {
  await cleanup()
  await Promise.all(closers.splice(0).map((close) => close()))
})

/** Listens on 127.0.0.1, port 0; returns the ws:// URL and closes with the test. */
async function listen(server: Server, sockets: Set<Socket>): Promise<string> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const { port } = server.address() as { port: number }
  return `ws://127.0.0.1:${port}/ws`
}

/**
 * A server that completes the WebSocket handshake by hand and then writes the header of a text
 * frame announcing `claimedBytes`, followed by only `sentBytes` of it: the frame never completes,
 * so a client that waited for the whole frame before measuring it would sit there buffering.
 */
async function startTruncatedFrameServer(claimedBytes: number, sentBytes: number) {
  const server = createServer()
  const received: Buffer[] = []
  server.on('upgrade', (request, socket: Socket) => {
    const accept = createHash('sha1')
      .update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    // Let the client open (and write its first frames) before the oversized frame starts.
    setTimeout(() => {
      const header = Buffer.alloc(10)
      header[0] = 0x81 // FIN, text
      header[1] = 127 // a 64-bit length follows
      header.writeBigUInt64BE(BigInt(claimedBytes), 2)
      socket.write(Buffer.concat([header, Buffer.alloc(sentBytes, 0x78)]))
    }, 20)
  })
  const url = await listen(server, new Set())
  /** The close code of the client's close frame, once it sent one (client frames are masked). */
  const clientCloseCode = (): number | undefined => {
    const bytes = Buffer.concat(received)
    for (let at = 0; at + 2 <= bytes.length; ) {
      const opcode = bytes[at]! & 0x0f
      const length = bytes[at + 1]! & 0x7f // the client's own frames here are short
      const mask = bytes.subarray(at + 2, at + 6)
      const payload = Buffer.from(bytes.subarray(at + 6, at + 6 + length).map((byte, i) => byte ^ mask[i % 4]!))
      if (opcode === 0x8 && payload.length >= 2) return payload.readUInt16BE(0)
      at += 6 + length
    }
    return undefined
  }
  return { url, clientCloseCode }
}

describe('maxPayload: a frame over MAX_FRAME_BYTES is refused before it is buffered (Node ws)', () => {
  it('a frame announcing 50 MB, of which 64 KiB arrive: refused at its header, the socket closes with 1009 and the state says why', async () => {
    const server = await startTruncatedFrameServer(50 * 1000 * 1000, 64 * 1024)
    const client = createClient({ url: server.url, config: { websocket: { RECONNECT_DELAY: 60_000, RECONNECT_MAX_DELAY: 60_000 } } })
    await client.waitForStatus('open')
    const closed = await client.waitForAction(client.actions.closed.type)
    expect(closed.action.payload).toMatchObject({ close: { code: 1009 }, byUser: false })
    // The client told the server why, with a close frame of its own.
    await until(() => server.clientCloseCode() === 1009, 'the client close frame (1009)')

    const connection = client.connection()
    expect(connection.status).toBe('reconnecting')
    expect(connection.lastClose).toMatchObject({ code: 1009 })
    expect(connection.lastError).toMatchObject({ name: 'WebSocketError', code: 'FRAME_TOO_LARGE' })
    expect(connection.lastError!.message).toContain('websocket.MAX_FRAME_BYTES')
    expect(connection.lastRejection).toMatchObject({ code: 'frame_too_large', reason: expect.stringContaining(`limit of ${MiB} bytes`) })
    expect(connection.rejected).toBe(1)
    const rejections = client.payloads<MessageRejection>(client.actions.messageRejected.type)
    expect(rejections).toHaveLength(1)
    expect(JSON.parse(JSON.stringify(rejections))).toEqual(rejections)
  })

  it('a whole frame of 2 MiB from a ws server: refused, 1009, and the client reconnects and keeps working', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve) => wss.once('listening', resolve))
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of wss.clients) socket.terminate()
          wss.close(() => resolve())
        }),
    )
    let connections = 0
    const serverSaw: number[] = []
    wss.on('connection', (socket) => {
      connections += 1
      socket.on('close', (code) => serverSaw.push(code))
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; id?: string; data?: unknown }
        if (frame.type === 'PING') socket.send(JSON.stringify({ type: 'PONG', data: frame.data }))
        if (frame.type === 'ECHO') socket.send(JSON.stringify({ type: 'ECHO', replyTo: frame.id, data: frame.data }))
      })
      if (connections === 1) socket.send(JSON.stringify({ type: 'BIG', data: 'x'.repeat(2 * MiB) }))
    })
    const { port } = wss.address() as { port: number }
    const client = createClient({ url: `ws://127.0.0.1:${port}/ws`, inbound: { BIG: 'big/received' } })
    await client.waitForAction(client.actions.closed.type)
    expect(client.payloads(client.actions.closed.type)[0]).toMatchObject({ close: { code: 1009 } })
    await until(() => serverSaw.includes(1009), 'the server to see the client close with 1009')
    expect(client.ofType('big/received')).toEqual([])

    // A new socket, and it works: the reason of the drop stays in lastClose / lastRejection.
    await until(() => connections === 2 && client.connection().status === 'open', 'a second, open socket')
    const echo = await client.store.dispatch(client.realtime.request('ECHO', { still: 'alive' }))
    expect(echo.data).toEqual({ still: 'alive' })
    expect(client.connection()).toMatchObject({ lastClose: { code: 1009 }, lastRejection: { code: 'frame_too_large' }, rejected: 1, lastError: null })
  })
})

describe('takesClientOptions: which constructors get { maxPayload }', () => {
  it('Node ws (and a subclass of it) does; the global WebSocket, msw-style and test doubles do not', () => {
    expect(takesClientOptions(WebSocket)).toBe(true)
    expect(takesClientOptions(class extends WebSocket {})).toBe(true)
    expect(takesClientOptions(FakeWebSocket)).toBe(false)
    const global = globalWebSocket()
    if (global) expect(takesClientOptions(global)).toBe(false)
    // A bare function, or an arrow (no prototype), is called with the URL only.
    expect(takesClientOptions((() => {}) as unknown as WebSocketConstructor)).toBe(false)
  })
})
