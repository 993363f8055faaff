/**
 * The Lua scripts that change the shared state. Redis runs a script alone, so each is one atomic
 * step: two instances never hand out the same version or `seq`, and an op id is answered (and
 * applied) at most once however many instances it reaches.
 *
 * Keys: widgets (hash id -> entity JSON), versions (hash id -> version; a deleted widget keeps its
 * version there, the tombstone), ack:<opId> (the stored ACK, with a TTL), seq (a counter), stream
 * (the broadcasts, each entry's ID `<seq>-0`).
 */

/**
 * Applies one change computed by an instance from the version it read (compare-and-set):
 * KEYS widgets, versions, ack, seq, stream; ARGV expectedVersion, widgetId, entity JSON ('' to
 * delete, '-' for no change), ACK JSON, ACK TTL (ms), broadcast type, broadcast data JSON, stream
 * length kept, ts. Returns `{'replay', ack}` when the op id was answered already, `{'stale',
 * version}` when the widget moved on since it was read (the instance reads again), else
 * `{'applied', seq}` (`seq` '0' when nothing was broadcast).
 */
export const APPLY_SCRIPT = `
local stored = redis.call('GET', KEYS[3])
if stored then return {'replay', stored} end
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if current ~= tonumber(ARGV[1]) then return {'stale', tostring(current)} end
redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
if ARGV[3] == '-' then return {'applied', '0'} end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[2]) else redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
redis.call('HSET', KEYS[2], ARGV[2], current + 1)
local seq = redis.call('INCR', KEYS[4])
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[8], seq .. '-0', 'type', ARGV[6], 'data', ARGV[7], 'ts', ARGV[9])
return {'applied', tostring(seq)}
`

/**
 * Seeds the widgets once: KEYS widgets, versions; ARGV id, entity JSON, id, entity JSON, ...
 * Does nothing when any widget ever existed, so every instance can start with the same seed.
 */
export const SEED_SCRIPT = `
if redis.call('HLEN', KEYS[2]) > 0 then return 0 end
for i = 1, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i], 1)
end
return #ARGV / 2
`
