import { WellnessError } from "../errors.js";
import type { CircuitBreaker } from "../redis/breaker.js";
import { isCluster, type RedisClient } from "../redis/client.js";
import { pingLatency } from "../redis/health.js";
import type { KeySchema } from "../redis/keys.js";
import { incrementHash } from "../redis/hash-increments.js";

export interface CacheStats {
  requests: number;
  hits: number;
  misses: number;
  /** hits / requests, 0 when there were none. */
  hitRate: number;
  /** Redis errors (counted in Redis when it answers, plus this process's while it did not). */
  errors: number;
  /** Keys in the cache namespace (found with SCAN on every master). */
  keys: number;
  usedMemory: string;
}

export interface SetOptions {
  /** Seconds to live. */
  ttl?: number;
  /** Only set when absent. */
  nx?: boolean;
  /** Only set when present. */
  xx?: boolean;
}

/** A pattern that could reach outside the cache namespace or the caller's own entries. */
export class CachePatternError extends WellnessError {
  constructor(pattern: string) {
    super(
      "ERR_CACHE_PATTERN",
      `Refusing cache pattern "${pattern.slice(0, 80)}": patterns work inside the cache namespace only and may not contain braces or backslashes (they would aim at other users' keys). Use e.g. "tool:*" or "profile".`,
    );
  }
}

const SCAN_COUNT = 1_000;
const UNLINK_BATCH = 500;

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Objects and arrays travel as JSON; strings and numbers as they are. */
function encode(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
}

type Decoded = { ok: true; value: unknown } | { ok: false };

function decode(text: string): Decoded {
  const first = text.charAt(0);
  if (first !== "{" && first !== "[") return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Cache-aside over the shared client, confined to the `cache:` namespace. Every call goes
 * through the circuit breaker; when Redis is down or the breaker is open, reads are misses,
 * writes are skipped, getOrSet still answers from its loader, and the caller never sees a Redis
 * error (errors are counted). Hit, miss and request counters live in Redis, so they add up
 * across instances.
 *
 * @example
 * ```ts
 * const cache = new CacheAside(redis, keys, breaker);
 * const profile = await cache.getOrSet(`user:{${userId}}:profile`, 3600, () => loadProfile(userId));
 * ```
 */
export class CacheAside {
  private localErrors = 0;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly breaker: CircuitBreaker,
  ) {}

  private full(name: string): string {
    return name.startsWith(this.keys.cacheRoot()) ? name : this.keys.cache(name);
  }

  /** Runs a Redis call through the breaker; a failure is counted and becomes `fallback`. */
  private async safely<T>(run: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await this.breaker.execute(run);
    } catch {
      this.localErrors += 1;
      this.count({ errors: 1 });
      return fallback;
    }
  }

  /** Adds to the shared counters; best effort, never awaited by callers' results. */
  private count(increments: Record<string, number>): void {
    const key = this.keys.cacheStats();
    incrementHash(this.client, key, increments).catch(() => undefined);
  }

  async get<T = unknown>(name: string, fallback?: T): Promise<T | undefined> {
    const text = await this.safely(() => this.client.get(this.full(name)), null);
    if (text === null) {
      this.count({ requests: 1, misses: 1 });
      return fallback;
    }
    const decoded = decode(text);
    if (!decoded.ok) {
      this.count({ requests: 1, misses: 1, parse_errors: 1 });
      return fallback;
    }
    this.count({ requests: 1, hits: 1 });
    return decoded.value as T;
  }

  /** Stores a value; false when NX/XX prevented it or Redis is unavailable. */
  async set(name: string, value: unknown, options: SetOptions = {}): Promise<boolean> {
    if (options.nx && options.xx) throw new RangeError("nx and xx exclude each other");
    const reply = await this.safely(
      () =>
        this.client.set(this.full(name), encode(value), {
          ...(options.ttl ? { EX: options.ttl } : {}),
          ...(options.nx ? { NX: true } : {}),
          ...(options.xx ? { XX: true } : {}),
        }),
      null,
    );
    return reply === "OK";
  }

  /** The cached value, or the loader's, which is then cached for `ttl` seconds. */
  async getOrSet<T>(name: string, ttl: number, loader: () => Promise<T>): Promise<T> {
    const cached = await this.get<T>(name);
    if (cached !== undefined) return cached;
    const value = await loader();
    await this.set(name, value, { ttl });
    return value;
  }

  /** Deletes entries; one command per key (pipelined), since the keys may sit on different cluster slots. */
  async delete(...names: string[]): Promise<number> {
    return this.safely(async () => sum(await Promise.all(names.map((name) => this.client.unlink(this.full(name))))), 0);
  }

  /** How many of the entries exist; one command per key (pipelined), for the same reason. */
  async exists(...names: string[]): Promise<number> {
    return this.safely(async () => sum(await Promise.all(names.map((name) => this.client.exists(this.full(name))))), 0);
  }

  async expire(name: string, seconds: number): Promise<boolean> {
    return (await this.safely(() => this.client.expire(this.full(name), seconds), 0)) === 1;
  }

  /** Seconds to live; -1 without expiry, -2 when absent or unknown. */
  async ttl(name: string): Promise<number> {
    return this.safely(() => this.client.ttl(this.full(name)), -2);
  }

  /**
   * Deletes the entries matching a glob pattern inside the cache namespace (or inside one user's
   * entries), with SCAN and UNLINK in batches on every master; never KEYS.
   */
  async invalidatePattern(pattern: string, options: { userId?: string } = {}): Promise<number> {
    if (pattern === "" || /[{}\\]/u.test(pattern)) throw new CachePatternError(pattern);
    const root = options.userId ? this.keys.userCacheRoot(options.userId) : this.keys.cacheRoot();
    return this.safely(() => this.scanAndUnlink(`${root}${pattern}`), 0);
  }

  /** Deletes every cache entry of one user and nothing of anyone else's. */
  async clearUserCache(userId: string): Promise<number> {
    const root = this.keys.userCacheRoot(userId);
    return this.safely(() => this.scanAndUnlink(`${root}*`), 0);
  }

  private async nodes(): Promise<RedisClient[]> {
    const client = this.client;
    return isCluster(client) ? Promise.all(client.masters.map((master) => client.nodeClient(master))) : [client];
  }

  private async scanAndUnlink(match: string): Promise<number> {
    let deleted = 0;
    for (const node of await this.nodes()) {
      if (isCluster(node)) continue;
      for await (const batch of node.scanIterator({ MATCH: match, COUNT: SCAN_COUNT })) {
        for (let i = 0; i < batch.length; i += UNLINK_BATCH) {
          const keys = batch.slice(i, i + UNLINK_BATCH);
          deleted += sum(await Promise.all(keys.map((key) => this.client.unlink(key))));
        }
      }
    }
    return deleted;
  }

  async stats(): Promise<CacheStats> {
    const counters = await this.safely(() => this.client.hGetAll(this.keys.cacheStats()), {});
    const keys = await this.safely(async () => {
      let count = 0;
      for (const node of await this.nodes()) {
        if (isCluster(node)) continue;
        for await (const batch of node.scanIterator({ MATCH: `${this.keys.cacheRoot()}*`, COUNT: SCAN_COUNT })) count += batch.length;
      }
      return count;
    }, 0);
    const memory = await this.safely(() => this.client.info("memory"), "");
    const requests = Number(counters.requests ?? 0);
    const hits = Number(counters.hits ?? 0);
    return {
      requests,
      hits,
      misses: Number(counters.misses ?? 0),
      hitRate: requests > 0 ? Math.round((hits / requests) * 1000) / 1000 : 0,
      errors: Number(counters.errors ?? 0) + this.localErrors,
      keys,
      usedMemory: /used_memory_human:(\S+)/u.exec(String(memory))?.[1] ?? "unknown",
    };
  }

  async healthCheck(): Promise<{ ok: boolean; latencyMs: number | null; breaker: string }> {
    const latency = await this.safely(() => pingLatency(this.client, 1), null);
    return { ok: latency !== null, latencyMs: latency, breaker: this.breaker.state };
  }
}
