import { deepFreeze } from './deepFreeze'
import type { RealtimeConfig } from './types'

/**
 * Every option's default, exactly the `@default` values documented in `./types` (DESIGN.md
 * section 5). Deep-frozen: it is shared by every store, so it must never change underneath them.
 */
export const defaultConfig: RealtimeConfig = deepFreeze({
  websocket: {
    URL: 'ws://localhost:3000/ws',
    RECONNECT_ATTEMPTS: 5,
    RECONNECT_DELAY: 1000,
    RECONNECT_MAX_DELAY: 30000,
    RECONNECT_JITTER: 0.5,
    CONNECT_TIMEOUT: 10000,
    HEARTBEAT_INTERVAL: 30000,
    PONG_TIMEOUT: 10000,
    WAKE_CHECK_INTERVAL: 5000,
    REQUEST_TIMEOUT: 10000,
    MAX_FRAME_BYTES: 1048576,
    MAX_BUFFERED_SENDS: 100,
    AUTO_CONNECT: true,
  },
  optimistic: {
    TIMEOUT: 30000,
    MAX_PENDING: 100,
    CONFLICT_RESOLUTION: 'REMOTE_WINS',
    SYNC_INTERVAL: 60000,
  },
  backgroundSync: {
    SYNC_INTERVAL: 30000,
    WIDGET_REFRESH: 60000,
    MAX_OUTBOX_SIZE: 100,
    MAX_RETRIES: 3,
    RETRY_DELAY: 1000,
    RETRY_MAX_DELAY: 30000,
  },
  updates: {
    BATCH_SIZE: 50,
    BATCH_DELAY: 200,
    DEBOUNCE_DELAY: 100,
    DEDUPLICATION: true,
    BATCH_MODE: 'auto',
  },
  features: {
    ENABLE_WEBSOCKET: true,
    ENABLE_OPTIMISTIC_UPDATES: true,
    ENABLE_BACKGROUND_SYNC: true,
  },
})
