import { createHash } from "node:crypto";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { CacheAside } from "./cache.js";

export interface ToolCachePolicy {
  /** TTL of results over past periods only. */
  pastTtlSeconds: number;
  /** TTL of results whose period includes today (the data may still grow). */
  todayTtlSeconds: number;
}

/** JSON with object keys sorted, so equal inputs hash equally whatever their key order. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, entry]) => `${JSON.stringify(key)}:${stable(entry)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Caches deterministic tool results per user under
 * `cache:user:{user}:tool:{tool}:{sha256(normalized input + user + data version)}`. An import of
 * different data changes the user's data version, so a result computed from older data is never
 * served again;
 * hits and misses per tool are counted in `tool:stats`.
 *
 * @example
 * ```ts
 * const answer = await toolCache.run("get_workouts", userId, input, includesToday, () => computeAnswer());
 * ```
 */
export class ToolOutputCache {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly cache: CacheAside,
    private readonly policy: ToolCachePolicy,
  ) {}

  async run(tool: string, userId: string, input: unknown, includesToday: boolean, compute: () => Promise<string>): Promise<string> {
    const version = await this.client.get(this.keys.healthVersion(userId)).catch(() => null);
    const hash = createHash("sha256").update(`${stable(input)}\u0000${userId}\u0000${version ?? "0"}`).digest("hex");
    const key = this.keys.toolOutput(userId, tool, hash);
    const cached = await this.cache.get<{ answer?: unknown }>(key);
    const stats = this.keys.toolStats();
    if (typeof cached?.answer === "string") {
      this.client.hIncrBy(stats, `${tool}:hits`, 1).catch(() => undefined);
      return cached.answer;
    }
    const result = await compute();
    await this.cache.set(key, { answer: result }, { ttl: includesToday ? this.policy.todayTtlSeconds : this.policy.pastTtlSeconds });
    this.client.hIncrBy(stats, `${tool}:misses`, 1).catch(() => undefined);
    return result;
  }

  /** Per tool: hits, misses and hit rate, from every process. */
  async stats(): Promise<Record<string, { hits: number; misses: number; hitRate: number }>> {
    const counters = await this.client.hGetAll(this.keys.toolStats()).catch(() => ({}));
    const result: Record<string, { hits: number; misses: number; hitRate: number }> = {};
    for (const [field, value] of Object.entries(counters)) {
      const match = /^(.+):(hits|misses)$/u.exec(field);
      if (!match) continue;
      const entry = (result[match[1] as string] ??= { hits: 0, misses: 0, hitRate: 0 });
      entry[match[2] as "hits" | "misses"] = Number(value);
      entry.hitRate = entry.hits + entry.misses > 0 ? Math.round((entry.hits / (entry.hits + entry.misses)) * 1000) / 1000 : 0;
    }
    return result;
  }
}
