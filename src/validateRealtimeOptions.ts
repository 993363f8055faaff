import type { CreateRealtimeOptions } from './createRealtime'

type Check = (value: unknown) => boolean

const isFunction: Check = (v) => typeof v === 'function'
const isObject: Check = (v) => v !== null && typeof v === 'object'

// What each option must be; `undefined` is always allowed (the default applies).
const checks: Record<keyof CreateRealtimeOptions<string>, [Check, string]> = {
  reducerPath: [(v) => typeof v === 'string' && /^[A-Za-z_$][\w$]*$/.test(v), 'an identifier-like string'],
  url: [(v) => typeof v === 'string' || typeof v === 'function', 'a ws:// or wss:// URL string, or a function returning one'],
  config: [isObject, 'an object'],
  env: [(v) => v === 'development' || v === 'production' || v === 'test', "'development', 'production' or 'test'"],
  inbound: [isObject, 'an object of routes by message type'],
  codec: [(v) => isObject(v) && isFunction((v as Record<string, unknown>).encode) && isFunction((v as Record<string, unknown>).decode), 'an object with encode() and decode()'],
  WebSocket: [isFunction, 'a WebSocket constructor'],
  timers: [(v) => isObject(v) && ['setTimeout', 'clearTimeout', 'now'].every((k) => isFunction((v as Record<string, unknown>)[k])), 'an object with setTimeout, clearTimeout and now'],
  random: [isFunction, 'a function returning a number in [0, 1)'],
  logger: [(v) => isObject(v) && ['debug', 'info', 'warn', 'error'].every((k) => isFunction((v as Record<string, unknown>)[k])), 'an object with debug, info, warn and error'],
  generateId: [isFunction, 'a function returning a string'],
  environmentListeners: [(v) => v === false || isFunction(v), 'an installer function or false'],
  runSaga: [(v) => typeof v === 'boolean', 'a boolean'],
  collections: [isObject, 'an object of collection definitions by name'],
  mutations: [isObject, 'an object of mutation definitions by name'],
  onConflict: [isFunction, 'a function (conflict) => void'],
  storage: [
    (v) => v === 'indexeddb' || v === 'localstorage' || v === 'memory' || isObject(v),
    "'indexeddb', 'localstorage', 'memory' or an OutboxStorage adapter { name, getAll, set, delete, clear }",
  ],
  outbox: [
    (v) => isObject(v) && Object.keys(v as object).every((k) => k === 'namespace' || k === 'migrate' || k === 'locks') &&
      ((v as { namespace?: unknown }).namespace === undefined || (typeof (v as { namespace?: unknown }).namespace === 'string' && (v as { namespace: string }).namespace !== '')) &&
      ((v as { migrate?: unknown }).migrate === undefined || isFunction((v as { migrate?: unknown }).migrate)) &&
      ((v as { locks?: unknown }).locks === undefined || (v as { locks?: unknown }).locks === false || isObject((v as { locks?: unknown }).locks)),
    'an object { namespace?: non-empty string, migrate?: (record, fromVersion) => record, locks?: LockManager | false }',
  ],
  outbound: [
    (v) => isObject(v) && Object.keys(v as object).every((k) => k === 'batch' || k === 'onUpdate') &&
      ((v as { batch?: unknown }).batch === undefined || typeof (v as { batch?: unknown }).batch === 'boolean') &&
      ((v as { onUpdate?: unknown }).onUpdate === undefined || isFunction((v as { onUpdate?: unknown }).onUpdate)),
    'an object { batch?: boolean, onUpdate?: (batch) => void }',
  ],
  // Its fields are checked by compileSyncOptions, which names each of them.
  sync: [(v) => v === false || (isObject(v) && !Array.isArray(v)), 'false or an object { type?, invalidate? }'],
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}

/** Throws at once, naming the option, for a misspelt or mistyped `createRealtime` option. */
export function validateRealtimeOptions(options: unknown): void {
  if (!isObject(options)) {
    throw new TypeError(`rtk-realtime: createRealtime(options): options must be an object, got ${describe(options)}`)
  }
  for (const key of Object.keys(options as object)) {
    const value = (options as Record<string, unknown>)[key]
    if (!Object.hasOwn(checks, key)) {
      throw new TypeError(
        `rtk-realtime: createRealtime({ ${key} }): unknown option. Known options: ${Object.keys(checks).join(', ')}`,
      )
    }
    const [check, expected] = checks[key as keyof CreateRealtimeOptions<string>]
    if (value !== undefined && !check(value)) {
      throw new TypeError(`rtk-realtime: createRealtime({ ${key} }) must be ${expected}, got ${describe(value)}`)
    }
  }
  const url = (options as CreateRealtimeOptions<string>).url
  if (typeof url === 'string' && !/^wss?:\/\/[^\s]+$/i.test(url)) {
    throw new TypeError(`rtk-realtime: createRealtime({ url }) must be a ws:// or wss:// URL, got ${describe(url)}`)
  }
}
