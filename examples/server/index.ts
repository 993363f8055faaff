/**
 * The rtk-realtime reference WebSocket server (the README's "Wire protocol" and "Reference server"), for integration
 * tests, benchmarks and the demo dashboard.
 */
export { startServer, BROADCAST_LOG_CAPACITY, ANSWERED_IDS_CAPACITY, APPLIED_OPS_CAPACITY } from './createServer'
export { DEFAULT_LIMITS, resolveLimits, type ServerLimits } from './limits'
export { requestToken, isDefaultAllowedOrigin, TOKEN_PROTOCOL_PREFIX, type Authenticate, type OriginPolicy } from './admission'
export { demoToken, demoAuthenticate } from './demoAuth'
export { RATE_LIMITED } from './dispatch'
export { CLOSE_TOO_SLOW } from './backpressure'
export { DEFAULT_FAULTS, createFaults, applyFaultPatch } from './faults'
export { createSyncHandler, defaultRequestHandlers, echoHandler, timeHandler, syncHandler, getWidgetsHandler } from './handlers'
export { WidgetStore, RESERVED_FIELDS, cleanFields, snapshotOf, type WidgetChange, type WidgetRecord } from './widgets'
export { DEFAULT_ENTITY_MESSAGES, DEFAULT_ENTITY_BROADCAST_TYPE, applyEntityOp, changeBroadcastData, type EntityAck } from './entityMessages'
export { OpRejection, answerOp, refusalOf, type OpOutcome } from './ops'
export { NACK_ALL_REASON, NACK_RETRYABLE_REASON } from './protocol'
export { createStaticHandler, CONTENT_TYPES } from './staticFiles'
export { DEMO_WIDGET_IDS, DEFAULT_EDIT_GRACE_MS, demoWidgets, startDemoTicker, type DemoTicker, type DemoTickerOptions } from './demo'
export { connectTestClient, type TestClient } from './testClient'
export { createBroadcastBatcher, DEFAULT_BROADCAST_BATCH, type BroadcastBatcher, type BroadcastBatchOptions } from './broadcastBatcher'
export type { ServerState } from './serverState'
export type { RedisOptions } from './redis/redisStore'
export type {
  BroadcastFrame,
  EntityOpKind,
  HandlerContext,
  IdentifiedMessage,
  MessageHandler,
  ReceivedMessage,
  ReferenceServer,
  RequestHandler,
  ServerFaults,
  SharedReferenceServer,
  AnyReferenceServer,
  StartServerOptions,
  WidgetEntity,
  WidgetSeed,
  WidgetSnapshot,
  WireMessage,
} from './types'
