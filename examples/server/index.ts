/**
 * The rtk-realtime reference WebSocket server (DESIGN.md sections 4 and 7), for integration
 * tests, benchmarks and the demo dashboard.
 */
export { startServer, BROADCAST_LOG_CAPACITY, ANSWERED_IDS_CAPACITY } from './createServer'
export { DEFAULT_FAULTS, createFaults, applyFaultPatch } from './faults'
export { defaultRequestHandlers, echoHandler, timeHandler, syncHandler } from './handlers'
export { createStaticHandler, CONTENT_TYPES } from './staticFiles'
export { startDemoTicker, type DemoTicker, type DemoTickerOptions } from './demo'
export { connectTestClient, type TestClient } from './testClient'
export type {
  BroadcastFrame,
  HandlerContext,
  IdentifiedMessage,
  MessageHandler,
  ReceivedMessage,
  ReferenceServer,
  RequestHandler,
  ServerFaults,
  StartServerOptions,
  WireMessage,
} from './types'
