import { RedisScript } from "../../redis/script.js";

/*
 * Scripts of the run queue. Each touches only keys of one thread (`{t:<id>}`), so they are
 * cluster-safe; the queue ZSET and the run -> thread reference live elsewhere and are written
 * by separate commands after a script decides.
 *   run HASH: doc (JSON), status, updated_at, attempt, cancel, baseline (the thread's newest
 *   checkpoint id when the run started, for rollback), watched (a process other than the one
 *   executing the run reads its stream)
 */

/**
 * Inserts a run unless the thread has runs in flight and the caller asked to be refused then.
 * KEYS: inflight SET, run HASH, thread runs ZSET. ARGV: run id, prevent (1/0), doc, status, now ms.
 * Returns {1 or 0 (inserted), ids of the runs that were in flight...}.
 */
export const INSERT_RUN = new RedisScript(`
local inflight = redis.call('SMEMBERS', KEYS[1])
if ARGV[2] == '1' and #inflight > 0 then
  return {0, unpack(inflight)}
end
redis.call('HSET', KEYS[2], 'doc', ARGV[3], 'status', ARGV[4], 'updated_at', ARGV[5], 'attempt', '0')
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
if ARGV[4] == 'pending' or ARGV[4] == 'running' then redis.call('SADD', KEYS[1], ARGV[1]) end
return {1, unpack(inflight)}
`);

/**
 * Claims a pending run for execution when no other run of its thread is executing.
 * KEYS: run HASH, thread active STRING. ARGV: run id, lease ms, now ms.
 * Returns {-1} (gone or no longer pending: drop it from the queue), {0} (thread busy: try later),
 * or {attempt number, doc, watched} of the claimed run.
 */
export const CLAIM_RUN = new RedisScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return {-1} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) == false then return {0} end
redis.call('HSET', KEYS[1], 'status', 'running', 'updated_at', ARGV[3])
local attempt = redis.call('HINCRBY', KEYS[1], 'attempt', 1)
local fields = redis.call('HMGET', KEYS[1], 'doc', 'watched')
return {attempt, fields[1], fields[2] or ''}
`);

/**
 * Extends the lease of an executing run and returns {cancel request or '', watched or ''}.
 * KEYS: thread active STRING, run HASH. ARGV: run id, lease ms.
 */
export const REFRESH_LEASE = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local fields = redis.call('HMGET', KEYS[2], 'cancel', 'watched')
return {fields[1] or '', fields[2] or ''}
`);

/**
 * Notes that a reader outside the executing process wants a run's events, while the run is
 * pending or running: atomically with the status, so that either the run's end sees the note or
 * the reader came after the end. KEYS: run HASH. Returns the run's status (nil when it is gone).
 */
export const WATCH_RUN = new RedisScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'pending' or status == 'running' then redis.call('HSET', KEYS[1], 'watched', '1') end
return status
`);

/**
 * Sets a run's status; a run that was asked to stop by an interrupt ends "interrupted" whatever
 * its worker reports. A finished run leaves the thread's in-flight set and releases the thread;
 * one asked to roll back is deleted in the same step, so no reader ever sees it finished (a client
 * polling it goes from "running" straight to not found, as the official server has it). A final
 * status for a run that is gone (deleted while it ran, or ended by an earlier try of this write
 * whose reply was lost) still lets go of the thread. A rollback asked for after the caller looked
 * (ARGV[4] says whether it rolled the thread back) changes nothing and returns {'rollback'}: the
 * caller rolls back and writes again, so a run is never deleted with its checkpoints kept.
 * KEYS: run HASH, inflight SET, thread active STRING, thread runs ZSET.
 * ARGV: status, now ms, run id, '1' when the caller rolled the run's checkpoints back.
 * Returns {final status, cancel request, watched}, {'rollback'}, or nil when the run is gone.
 */
export const SET_RUN_STATUS = new RedisScript(`
local final = ARGV[1] ~= 'pending' and ARGV[1] ~= 'running'
if redis.call('EXISTS', KEYS[1]) == 0 then
  if final then
    redis.call('SREM', KEYS[2], ARGV[3])
    if redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
  end
  return nil
end
local fields = redis.call('HMGET', KEYS[1], 'cancel', 'watched')
local cancel = fields[1] or ''
local status = ARGV[1]
if cancel == 'interrupt' and (status == 'error' or status == 'success') then status = 'interrupted' end
if final and cancel == 'rollback' and ARGV[4] ~= '1' then return {'rollback'} end
if final and cancel == 'rollback' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[4], ARGV[3])
else
  redis.call('HSET', KEYS[1], 'status', status, 'updated_at', ARGV[2])
end
if final then
  redis.call('SREM', KEYS[2], ARGV[3])
  if redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
end
return {status, cancel, fields[2] or ''}
`);

/**
 * Records a cancel request; a run still pending ends at once ("interrupted"), and the thread turns
 * idle when nothing else is in flight. KEYS: run HASH, inflight SET, thread HASH.
 * ARGV: action, now ms, run id. Returns the run's status before, or nil when it is gone.
 */
export const CANCEL_RUN = new RedisScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return nil end
redis.call('HSET', KEYS[1], 'cancel', ARGV[1])
if status == 'pending' and ARGV[1] ~= 'rollback' then
  redis.call('HSET', KEYS[1], 'status', 'interrupted', 'updated_at', ARGV[2])
  redis.call('SREM', KEYS[2], ARGV[3])
  if redis.call('SCARD', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[3]) == 1 then
    redis.call('HSET', KEYS[3], 'status', 'idle', 'updated_at', ARGV[2])
  end
end
return status
`);
