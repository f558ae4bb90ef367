import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";

/** The learning stream at a glance, for `wellness status` and `/health`. */
export interface LearningStreamStats {
  /** Entries in `learning:queue` (trimmed to about 100,000). */
  length: number;
  /** Whether the worker's consumer group exists yet (it is created by the first worker). */
  group: boolean;
  /**
   * Entries no worker has read yet. Redis 7 reports it; null when Redis cannot tell (Redis 6.2,
   * or after entries were deleted from the middle of the stream).
   */
  lag: number | null;
  /** Entries read by a worker and not yet acknowledged (being processed, or left by a dead worker). */
  pending: number;
  /** Workers the group knows (consumers are never removed, so this counts every worker ever seen). */
  consumers: number;
  /** Entries moved to `learning:dead` after too many failed deliveries. */
  deadLetters: number;
}

/**
 * Reads the learning stream's length, its consumer group's lag and pending count, and the
 * dead-letter stream's length (two round trips: the group is asked about only when the stream exists).
 *
 * @example
 * ```ts
 * const { lag, pending, deadLetters } = await learningStreamStats(redis, keys);
 * ```
 */
export async function learningStreamStats(client: RedisClient, keys: KeySchema, group = "learning"): Promise<LearningStreamStats> {
  const queue = keys.learningQueue();
  const [length, exists, deadLetters] = await Promise.all([client.xLen(queue), client.exists(queue), client.xLen(keys.learningDeadLetters())]);
  const groups = exists ? await client.xInfoGroups(queue) : [];
  const found = (groups as { name: unknown; consumers: unknown; pending: unknown; lag?: unknown }[]).find((each) => String(each.name) === group);
  if (!found) return { length, group: false, lag: length, pending: 0, consumers: 0, deadLetters };
  const lag = found.lag === null || found.lag === undefined ? null : Number(found.lag);
  return { length, group: true, lag, pending: Number(found.pending), consumers: Number(found.consumers), deadLetters };
}
