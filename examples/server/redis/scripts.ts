/**
 * The Lua scripts that change the shared state. Redis runs a script alone, so each is one atomic
 * step: two instances never hand out the same version or `seq`, an op id is answered (and
 * applied) at most once however many instances it reaches, and the widget caps hold however many
 * instances race to them.
 *
 * Keys: widgets (hash id -> entity JSON), versions (hash id -> version; a deleted widget keeps its
 * version there, the tombstone), bytes (the JSON bytes of all live widgets, kept by every script
 * that changes them, so `limits.maxStateBytes` is one comparison), ack:<opId> (the stored ACK,
 * with a TTL), seq (a counter), stream (the broadcasts, each entry's ID `<seq>-0`; a reseed
 * appends `<seq>-N`, N > 0, which only the instances' mirrors read).
 */

/**
 * Applies one change computed by an instance from the version it read (compare-and-set):
 * KEYS widgets, versions, ack, seq, stream, bytes; ARGV expectedVersion, widgetId, entity JSON
 * ('' to delete, '-' for no change), ACK JSON ('' for a server-side change: nothing stored), ACK
 * TTL (ms), broadcast type, broadcast data JSON, stream length kept, ts, maxWidgets and
 * maxStateBytes (-1: no cap). Returns `{'replay', ack}` when the op id was answered already,
 * `{'stale', version}` when the widget moved on since it was read (the instance reads again),
 * `{'maxWidgets', count}` / `{'maxStateBytes', total}` when the change would break that cap
 * (nothing changed), else `{'applied', seq}` (`seq` '0' when nothing was broadcast).
 */
export const APPLY_SCRIPT = `
if ARGV[4] ~= '' then
  local stored = redis.call('GET', KEYS[3])
  if stored then return {'replay', stored} end
end
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if current ~= tonumber(ARGV[1]) then return {'stale', tostring(current)} end
if ARGV[3] ~= '-' then
  local old = redis.call('HGET', KEYS[1], ARGV[2])
  local total = tonumber(redis.call('GET', KEYS[6]) or '0') - (old and #old or 0)
  if ARGV[3] == '' then
    redis.call('HDEL', KEYS[1], ARGV[2])
  else
    local count = redis.call('HLEN', KEYS[1])
    local maxWidgets = tonumber(ARGV[10])
    if not old and maxWidgets >= 0 and count >= maxWidgets then return {'maxWidgets', tostring(count)} end
    total = total + #ARGV[3]
    local maxBytes = tonumber(ARGV[11])
    if maxBytes >= 0 and total > maxBytes then return {'maxStateBytes', tostring(total)} end
    redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  end
  redis.call('SET', KEYS[6], total)
  redis.call('HSET', KEYS[2], ARGV[2], current + 1)
end
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5]) end
if ARGV[3] == '-' then return {'applied', '0'} end
local seq = redis.call('INCR', KEYS[4])
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[8], seq .. '-0', 'type', ARGV[6], 'data', ARGV[7], 'ts', ARGV[9])
return {'applied', tostring(seq)}
`

/**
 * One broadcast that changes no widget (`server.broadcast`): KEYS seq, stream; ARGV type, data
 * JSON ('' for a broadcast without data), stream length kept, ts. Returns its seq.
 */
export const BROADCAST_SCRIPT = `
local seq = redis.call('INCR', KEYS[1])
if ARGV[2] == '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'type', ARGV[1], 'ts', ARGV[4])
else
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'type', ARGV[1], 'data', ARGV[2], 'ts', ARGV[4])
end
return seq
`

/**
 * Seeds the widgets once: KEYS widgets, versions, bytes; ARGV id, entity JSON, id, entity JSON, ...
 * Does nothing when any widget ever existed, so every instance can start with the same seed.
 */
export const SEED_SCRIPT = `
if redis.call('HLEN', KEYS[2]) > 0 then return 0 end
local total = 0
for i = 1, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i], 1)
  total = total + #ARGV[i + 1]
end
redis.call('SET', KEYS[3], total)
return #ARGV / 2
`

/**
 * Replaces every widget (`server.seedWidgets`), as the in-memory store does: the live ones become
 * tombstones, each seeded id continues from its last version (1 when never seen), nothing is
 * broadcast and `seq` stays. KEYS widgets, versions, bytes, seq, stream; ARGV stream length kept,
 * then id, entity JSON, ... (distinct ids). Appends `<seq>-*` with the new widgets (entities and
 * versions, JSON arrays) for the instances' mirrors. Returns the number of widgets.
 */
export const RESEED_SCRIPT = `
redis.call('DEL', KEYS[1])
local total = 0
local entities = {}
local versions = {}
for i = 2, #ARGV, 2 do
  local version = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0') + 1
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i], version)
  total = total + #ARGV[i + 1]
  entities[#entities + 1] = ARGV[i + 1]
  versions[#versions + 1] = tostring(version)
end
redis.call('SET', KEYS[3], total)
local seq = redis.call('GET', KEYS[4]) or '0'
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[1], seq .. '-*', 'entities', '[' .. table.concat(entities, ',') .. ']', 'versions', '[' .. table.concat(versions, ',') .. ']')
return #entities
`
