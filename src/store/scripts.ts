import { RedisScript } from "../redis/script.js";

/**
 * Lua for the store. Every script gets KEYS[1] = the owner's namespace registry, KEYS[2] = the
 * owner's expiry index and KEYS[3] = the owner's update clock, ARGV[1] = the owner's namespace-ZSET key base and ARGV[2] = the item key
 * base; it derives namespace and item keys from those bases (same `{owner}` hash tag, so the same
 * cluster slot), encoding segments exactly as KeySchema's encodeKeySegment does.
 *
 * Times come from the server's clock (TIME, in ms), so several app servers agree. Items with a
 * TTL carry `t` (TTL ms) and `x` (expiry ms); their hash has the same PEXPIREAT, and each script
 * first sweeps the expiry index, so an expired item leaves its namespace index and the registry
 * before anything is read.
 */
const PRELUDE = `
local NS_BASE, ITEM_BASE = ARGV[1], ARGV[2]
local function enc(s)
  return (string.gsub(s, '[^A-Za-z0-9_.%-]', function(c) return string.format('%%%02X', string.byte(c)) end))
end
local function ns_key(ns) return NS_BASE .. enc(ns) end
local function item_key(ns, key) return ITEM_BASE .. enc(ns) .. ':' .. enc(key) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function drop(ns, key)
  redis.call('DEL', item_key(ns, key))
  redis.call('ZREM', ns_key(ns), key)
  redis.call('ZREM', KEYS[2], ns .. '\\0' .. key)
  if redis.call('EXISTS', ns_key(ns)) == 0 then redis.call('ZREM', KEYS[1], ns) end
end
local function sweep(now)
  local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for _, member in ipairs(due) do
    local sep = string.find(member, '\\0', 1, true)
    if sep then drop(string.sub(member, 1, sep - 1), string.sub(member, sep + 1)) else redis.call('ZREM', KEYS[2], member) end
  end
end
local function refresh(ns, key, ik, ttl, now)
  local x = now + tonumber(ttl)
  redis.call('HSET', ik, 'x', x)
  redis.call('PEXPIREAT', ik, x)
  redis.call('ZADD', KEYS[2], x, ns .. '\\0' .. key)
end
local function namespaces_under(prefix)
  if prefix == '' then return redis.call('ZRANGE', KEYS[1], 0, -1) end
  local found = redis.call('ZRANGE', KEYS[1], '[' .. prefix .. '.', '(' .. prefix .. '/', 'BYLEX')
  if redis.call('ZSCORE', KEYS[1], prefix) then table.insert(found, 1, prefix) end
  return found
end
`;

/**
 * Applies a batch's puts and deletes in order. ARGV[3] = count, then per operation: namespace,
 * key, kind ("p" put, "d" delete), value JSON, TTL ms or "", dimensions, vectors (float32 bytes)
 * or "". A put keeps the item's creation time; update times are strictly increasing per owner (the
 * clock), so "most recently updated first" is the order the writes happened in.
 */
export const PUT_ITEMS = new RedisScript(`${PRELUDE}
local now = now_ms()
sweep(now)
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local ns, key, kind, value, ttl, dims, vectors = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  i = i + 7
  if kind == 'd' then
    drop(ns, key)
  else
    local ik = item_key(ns, key)
    local last = tonumber(redis.call('GET', KEYS[3]) or '0')
    local updated = now
    if last >= updated then updated = last + 1 end
    redis.call('SET', KEYS[3], updated)
    local created = redis.call('HGET', ik, 'c') or updated
    redis.call('DEL', ik)
    redis.call('HSET', ik, 'v', value, 'c', created, 'u', updated)
    if vectors ~= '' then redis.call('HSET', ik, 'd', dims, 'e', vectors) end
    if ttl ~= '' then
      redis.call('HSET', ik, 't', ttl)
      refresh(ns, key, ik, ttl, now)
    else
      redis.call('ZREM', KEYS[2], ns .. '\\0' .. key)
    end
    redis.call('ZADD', ns_key(ns), updated, key)
    redis.call('ZADD', KEYS[1], 0, ns)
  end
end
return 1
`);

/**
 * Reads one item: value, created, updated (or nil). ARGV[3] = namespace, ARGV[4] = key,
 * ARGV[5] = "1" to push a TTL'd item's expiry out by its TTL.
 */
export const GET_ITEM = new RedisScript(`${PRELUDE}
local now = now_ms()
local ik = item_key(ARGV[3], ARGV[4])
local r = redis.call('HMGET', ik, 'v', 'c', 'u', 't', 'x')
if not r[1] then return false end
if r[5] and tonumber(r[5]) <= now then
  drop(ARGV[3], ARGV[4])
  return false
end
if ARGV[5] == '1' and r[4] then refresh(ARGV[3], ARGV[4], ik, r[4], now) end
return {r[1], r[2], r[3]}
`);

/**
 * The items under a namespace prefix, most recently updated first (ties by namespace, then key).
 * ARGV[3] = prefix ("" for all), ARGV[4] = "page" to return only ARGV[5] (offset) / ARGV[6]
 * (limit) of them or "all", ARGV[7] = "1" to include vectors, ARGV[8] = "1" to refresh TTLs of
 * what is returned. Each item: namespace, key, value, created, updated, TTL, dimensions, vectors.
 */
export const SEARCH_ITEMS = new RedisScript(`${PRELUDE}
local now = now_ms()
sweep(now)
local entries = {}
for _, ns in ipairs(namespaces_under(ARGV[3])) do
  local members = redis.call('ZRANGE', ns_key(ns), 0, -1, 'WITHSCORES')
  for j = 1, #members, 2 do entries[#entries + 1] = {ns, members[j], tonumber(members[j + 1])} end
end
table.sort(entries, function(a, b)
  if a[3] ~= b[3] then return a[3] > b[3] end
  if a[1] ~= b[1] then return a[1] < b[1] end
  return a[2] < b[2]
end)
local first, last = 1, #entries
if ARGV[4] == 'page' then
  first = tonumber(ARGV[5]) + 1
  last = math.min(#entries, tonumber(ARGV[5]) + tonumber(ARGV[6]))
end
local out = {}
for k = first, last do
  local ns, key = entries[k][1], entries[k][2]
  local ik = item_key(ns, key)
  local r
  if ARGV[7] == '1' then r = redis.call('HMGET', ik, 'v', 'c', 'u', 't', 'd', 'e') else r = redis.call('HMGET', ik, 'v', 'c', 'u', 't') end
  if r[1] then
    if ARGV[8] == '1' and r[4] then refresh(ns, key, ik, r[4], now) end
    out[#out + 1] = {ns, key, r[1], r[2], r[3], r[4] or '', r[5] or '', r[6] or ''}
  else
    drop(ns, key)
  end
end
return out
`);

/** Pushes out the expiry of TTL'd items. ARGV[3..] = namespace, key pairs. */
export const REFRESH_ITEMS = new RedisScript(`${PRELUDE}
local now = now_ms()
for i = 3, #ARGV, 2 do
  local ik = item_key(ARGV[i], ARGV[i + 1])
  local r = redis.call('HMGET', ik, 't', 'x')
  if r[1] and r[2] and tonumber(r[2]) > now then refresh(ARGV[i], ARGV[i + 1], ik, r[1], now) end
end
return 1
`);

/** The owner's namespaces (joined with "."), all or those under ARGV[3]. */
export const LIST_NAMESPACES = new RedisScript(`${PRELUDE}
sweep(now_ms())
return namespaces_under(ARGV[3])
`);

/** Deletes every item, namespace and index of the owner; returns how many items there were. */
export const CLEAR_OWNER = new RedisScript(`${PRELUDE}
local items = 0
for _, ns in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  for _, key in ipairs(redis.call('ZRANGE', ns_key(ns), 0, -1)) do
    items = items + redis.call('DEL', item_key(ns, key))
  end
  redis.call('DEL', ns_key(ns))
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return items
`);
