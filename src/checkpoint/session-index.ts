import { MemoryNotFoundError } from "../errors.js";
import type { RedisClient } from "../redis/client.js";
import { validateId } from "../redis/ids.js";
import type { KeySchema } from "../redis/keys.js";

export interface SessionIndexOptions {
  /** Sessions kept per index; older ones are trimmed. */
  maxSessions?: number;
  /** Expiry of the index keys, pushed out on every touch (0: never). */
  ttlSeconds?: number;
}

export interface SessionEntry {
  sessionId: string;
  lastActivity: Date;
}

/**
 * Recent sessions, overall (`sessions:recent`) and per user (`user:{user}:sessions`): sorted
 * sets scored by last activity and trimmed to a bound, so listing a user's recent sessions is
 * one ZRANGE. The owner of each session is kept beside it so removing a session (when its
 * thread is deleted) needs no user id.
 *
 * @example
 * ```ts
 * const sessions = new SessionIndex(redis, keys, { ttlSeconds: config.memoryTtlSeconds });
 * await sessions.touch("alice", "session-42");
 * await sessions.forUser("alice", 10); // [{ sessionId: "session-42", lastActivity: ... }]
 * ```
 */
export class SessionIndex {
  private readonly client: RedisClient;
  private readonly keys: KeySchema;
  private readonly maxSessions: number;
  private readonly ttlSeconds: number;

  constructor(client: RedisClient, keys: KeySchema, options: SessionIndexOptions = {}) {
    const { maxSessions = 1_000, ttlSeconds = 0 } = options;
    if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new RangeError("maxSessions must be at least 1");
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw new RangeError("ttlSeconds must be 0 or more");
    this.client = client;
    this.keys = keys;
    this.maxSessions = maxSessions;
    this.ttlSeconds = ttlSeconds;
  }

  /** Records activity in a session now (or at `at`, epoch ms); true when the session is new to the user. */
  async touch(userId: string, sessionId: string, at: number = Date.now()): Promise<boolean> {
    validateId("user id", userId);
    const recent = this.keys.recentSessions();
    const mine = this.keys.userSessions(userId);
    const owner = this.keys.sessionOwner(sessionId);
    const trimTo = -(this.maxSessions + 1);
    const ttl = this.ttlSeconds;
    const [, , added] = await Promise.all([
      this.client.zAdd(recent, { score: at, value: sessionId }),
      this.client.zRemRangeByRank(recent, 0, trimTo),
      this.client.zAdd(mine, { score: at, value: sessionId }),
      this.client.zRemRangeByRank(mine, 0, trimTo),
      ttl > 0 ? this.client.set(owner, userId, { EX: ttl }) : this.client.set(owner, userId),
      ...(ttl > 0 ? [this.client.expire(recent, ttl), this.client.expire(mine, ttl)] : []),
    ]);
    return added === 1;
  }

  /** The user's most recent sessions, newest first. */
  async forUser(userId: string, limit = 20): Promise<SessionEntry[]> {
    return this.read(this.keys.userSessions(validateId("user id", userId)), limit);
  }

  /** The most recent sessions of every user, newest first. */
  async recent(limit = 20): Promise<SessionEntry[]> {
    return this.read(this.keys.recentSessions(), limit);
  }

  /** The user a session belongs to, if it is known. */
  async ownerOf(sessionId: string): Promise<string | undefined> {
    return (await this.client.get(this.keys.sessionOwner(sessionId))) ?? undefined;
  }

  /**
   * Refuses a session that belongs to another user exactly as if it did not exist (an id someone
   * else chose first is simply not found). A session nobody owns yet is free: the first turn in it
   * makes it the caller's. The HTTP API and `wellness chat` both go through this check.
   *
   * @throws {MemoryNotFoundError} when another user owns the session.
   */
  async assertAccessible(sessionId: string, userId: string): Promise<void> {
    validateId("session id", sessionId);
    const owner = await this.ownerOf(sessionId);
    if (owner !== undefined && owner !== userId) {
      throw new MemoryNotFoundError(`User ${userId} has no session ${sessionId}. Leave the session id out to start a new conversation.`);
    }
  }

  /** Removes a session from both indexes (called when its thread is deleted). */
  async forget(sessionId: string): Promise<void> {
    const ownerKey = this.keys.sessionOwner(sessionId);
    const owner = await this.client.get(ownerKey);
    await Promise.all([
      this.client.zRem(this.keys.recentSessions(), sessionId),
      owner ? this.client.zRem(this.keys.userSessions(owner), sessionId) : undefined,
      this.client.unlink(ownerKey),
    ]);
  }

  private async read(key: string, limit: number): Promise<SessionEntry[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a whole number of at least 1");
    const entries = await this.client.zRangeWithScores(key, 0, limit - 1, { REV: true });
    return entries.map(({ value, score }) => ({ sessionId: value, lastActivity: new Date(score) }));
  }
}
