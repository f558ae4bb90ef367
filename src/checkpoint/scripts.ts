import { RedisScript } from "../redis/script.js";

/*
 * Storage of one (thread, namespace), all under the thread's `{thread}` hash tag:
 *   <base>ids     ZSET, every score 0: checkpoint ids in lexicographic (= creation) order
 *   <base>data    HASH: c:<id> checkpoint, m:<id> metadata, p:<id> parent id,
 *                 r:<id> JSON list of the blob fields the checkpoint references,
 *                 w:<member> one pending write
 *   <base>blobs   HASH: JSON [channel, version] -> channel value (shared by checkpoints)
 *   <base>writes  ZSET, every score 0: write members "<byte length of id>:<id>\0<JSON [task, idx]>",
 *                 so one checkpoint's writes are one lexicographic range
 * and per thread <namespaces> HASH: namespace -> <base>.
 * Scripts derive only same-slot keys from these, so they are cluster-safe.
 */

/** Shared Lua helpers: HMGET in chunks (Lua's unpack has a stack limit) and a checkpoint's write fields. */
const HELPERS = `
local function hmget(key, fields)
  local out = {}
  for s = 1, #fields, 1000 do
    local part = redis.call('HMGET', key, unpack(fields, s, math.min(s + 999, #fields)))
    for i = 1, #part do out[#out + 1] = part[i] end
  end
  return out
end
local function write_members(writes_key, id)
  local prefix = string.len(id) .. ':' .. id .. '\\0'
  return redis.call('ZRANGE', writes_key, '[' .. prefix, '(' .. prefix .. '\\255', 'BYLEX')
end
local function prefixed(prefix, list)
  local out = {}
  for i = 1, #list do out[i] = prefix .. list[i] end
  return out
end
local function del_fields(key, fields)
  for s = 1, #fields, 1000 do
    redis.call('HDEL', key, unpack(fields, s, math.min(s + 999, #fields)))
  end
end
`;

/**
 * Reads one checkpoint (ARGV[1] = id, or "" for the latest) with its blobs and pending writes
 * in one round trip; ARGV[2] > 0 refreshes the namespace's TTL to that many seconds.
 * KEYS: ids, data, blobs, writes, namespaces.
 * Returns false, or { id, checkpoint, metadata, parent|nil, refs JSON, blob values, write values }.
 */
export const GET_TUPLE = new RedisScript(`${HELPERS}
local id = ARGV[1]
if id == '' then
  local latest = redis.call('ZRANGE', KEYS[1], '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)
  if #latest == 0 then return false end
  id = latest[1]
end
local rec = redis.call('HMGET', KEYS[2], 'c:' .. id, 'm:' .. id, 'p:' .. id, 'r:' .. id)
if not rec[1] then return false end
local refs = rec[4] or '[]'
local blobs = {}
local ref_list = cjson.decode(refs)
if #ref_list > 0 then blobs = hmget(KEYS[3], ref_list) end
local members = write_members(KEYS[4], id)
local writes = {}
if #members > 0 then writes = hmget(KEYS[2], prefixed('w:', members)) end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ttl) end
end
return { id, rec[1], rec[2], rec[3], refs, blobs, writes }
`);

/**
 * Stores one checkpoint atomically: its new blobs, then the record, the id, and the namespace.
 * KEYS: ids, data, blobs, writes, namespaces.
 * ARGV: id, parent id or "", checkpoint, metadata, refs JSON, namespace, namespace base,
 *   ttl seconds (0 = none), keep newest N (0 = all), then blob field/value pairs.
 * With N > 0, older checkpoints lose their record and writes, and blobs no kept checkpoint
 * references are deleted. Returns how many checkpoints were pruned.
 */
export const PUT_CHECKPOINT = new RedisScript(`${HELPERS}
local id = ARGV[1]
for i = 10, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[2], 'c:' .. id, ARGV[3], 'm:' .. id, ARGV[4], 'r:' .. id, ARGV[5])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], 'p:' .. id, ARGV[2])
else
  redis.call('HDEL', KEYS[2], 'p:' .. id)
end
redis.call('ZADD', KEYS[1], 0, id)
redis.call('HSET', KEYS[5], ARGV[6], ARGV[7])
local pruned = 0
local keep_newest = tonumber(ARGV[9])
if keep_newest > 0 then
  local count = redis.call('ZCARD', KEYS[1])
  if count > keep_newest then
    local old = redis.call('ZRANGE', KEYS[1], 0, count - keep_newest - 1)
    for _, old_id in ipairs(old) do
      local members = write_members(KEYS[4], old_id)
      if #members > 0 then
        del_fields(KEYS[2], prefixed('w:', members))
        for s = 1, #members, 1000 do
          redis.call('ZREM', KEYS[4], unpack(members, s, math.min(s + 999, #members)))
        end
      end
      redis.call('HDEL', KEYS[2], 'c:' .. old_id, 'm:' .. old_id, 'p:' .. old_id, 'r:' .. old_id)
      redis.call('ZREM', KEYS[1], old_id)
      pruned = pruned + 1
    end
    local referenced = {}
    for _, kept_id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
      local refs = redis.call('HGET', KEYS[2], 'r:' .. kept_id)
      if refs then
        for _, field in ipairs(cjson.decode(refs)) do referenced[field] = true end
      end
    end
    local unreferenced = {}
    for _, field in ipairs(redis.call('HKEYS', KEYS[3])) do
      if not referenced[field] then unreferenced[#unreferenced + 1] = field end
    end
    del_fields(KEYS[3], unreferenced)
  end
end
local ttl = tonumber(ARGV[8])
if ttl > 0 then
  for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ttl) end
end
return pruned
`);

/**
 * Stores a task's pending writes atomically. Regular writes keep the first value stored for
 * (task, idx), as every LangGraph saver does; special writes (negative idx: errors, interrupts)
 * overwrite. KEYS: data, writes, namespaces.
 * ARGV: ttl seconds (0 = none), namespace, namespace base, then member/record/overwrite triples.
 */
export const PUT_WRITES = new RedisScript(`
for i = 4, #ARGV, 3 do
  local field = 'w:' .. ARGV[i]
  if ARGV[i + 2] == '1' then
    redis.call('HSET', KEYS[1], field, ARGV[i + 1])
  else
    redis.call('HSETNX', KEYS[1], field, ARGV[i + 1])
  end
  redis.call('ZADD', KEYS[2], 0, ARGV[i])
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
end
return 1
`);

/** Deletes every key of a thread, found through its namespaces hash. KEYS: namespaces. */
export const DELETE_THREAD = new RedisScript(`
local deleted = 0
for _, base in ipairs(redis.call('HVALS', KEYS[1])) do
  deleted = deleted + redis.call('UNLINK', base .. 'ids', base .. 'data', base .. 'blobs', base .. 'writes')
end
return deleted + redis.call('UNLINK', KEYS[1])
`);
