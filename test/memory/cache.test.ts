import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachedEmbeddings, closeRedis, connectRedis, KeySchema } from "../../src/index.js";
import { createLogger } from "../../src/logger.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

describe("CachedEmbeddings", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "embcache" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("stores float32 bytes under sha256(provider:model:text) with the TTL, and serves them back", async () => {
    const inner = new HashingEmbeddings(64);
    const cache = new CachedEmbeddings(inner, test.client, test.keys, 3600);
    const [first] = await cache.embed(["rest day"]);
    const key = test.keys.embeddingCache(createHash("sha256").update("hashing:hashing-v1:rest day").digest("hex"));
    expect(await test.client.strLen(key)).toBe(64 * 4);
    expect(await test.client.ttl(key)).toBeGreaterThan(3590);
    const calls = inner.calls;
    const [again] = await cache.embed(["rest day"]);
    expect(inner.calls).toBe(calls);
    expect(Array.from(again as Float32Array)).toEqual(Array.from(first as Float32Array));
  });

  it("embeds only the misses of a batch, once per distinct text, and keeps order", async () => {
    const inner = new HashingEmbeddings(32, "batch-model");
    const cache = new CachedEmbeddings(inner, test.client, test.keys, 60);
    await cache.embed(["a b", "c d"]);
    const direct = await new HashingEmbeddings(32, "batch-model").embed(["c d", "e f", "a b"]);
    const mixed = await cache.embed(["c d", "e f", "a b", "e f"]);
    expect(mixed.map((vector) => Array.from(vector))).toEqual([...direct, direct[1] as Float32Array].map((vector) => Array.from(vector)));
    expect(inner.calls).toBe(2);
  });

  it("serves the texts it embedded lately from memory: no Redis round trip, counted as hits, a copy each time", async () => {
    const keys = new KeySchema(`${test.prefix}memo:`);
    const inner = new HashingEmbeddings(16, "memo");
    const cache = new CachedEmbeddings(inner, test.client, keys, 60, { memoEntries: 2 });
    const [first] = await cache.embed(["walk"]);
    await cache.embed(["run"]);
    const commandsBefore = Number(/cmdstat_mget:calls=(\d+)/u.exec(await test.client.info("commandstats"))?.[1] ?? 0);
    const [again] = await cache.embed(["walk"]);
    const commandsAfter = Number(/cmdstat_mget:calls=(\d+)/u.exec(await test.client.info("commandstats"))?.[1] ?? 0);
    expect(commandsAfter - commandsBefore).toBe(0);
    expect(Array.from(again as Float32Array)).toEqual(Array.from(first as Float32Array));
    (again as Float32Array).fill(0);
    expect(Array.from((await cache.embed(["walk"]))[0] as Float32Array)).toEqual(Array.from(first as Float32Array));
    // Two entries: "swim" pushes out the least recently used ("run"), which comes back from Redis.
    await cache.embed(["swim"]);
    await cache.embed(["run"]);
    expect(inner.calls).toBe(3);
    expect(await cache.stats()).toEqual({ hits: 3, misses: 3, hitRate: 0.5, errors: 0 });
  });

  it("keeps long texts out of its memo, refuses a memo size that is not a whole number, and drains its counter writes", async () => {
    const keys = new KeySchema(`${test.prefix}memolong:`);
    const inner = new HashingEmbeddings(16, "long");
    const cache = new CachedEmbeddings(inner, test.client, keys, 60);
    const long = "steps ".repeat(1_000);
    await cache.embed([long]);
    await cache.embed([long]);
    await cache.drain();
    const mgets = Number(/cmdstat_mget:calls=(\d+)/u.exec(await test.client.info("commandstats"))?.[1] ?? 0);
    await cache.embed([long]);
    expect(Number(/cmdstat_mget:calls=(\d+)/u.exec(await test.client.info("commandstats"))?.[1] ?? 0) - mgets).toBe(1);
    expect(inner.calls).toBe(1);
    await cache.drain();
    expect(await test.client.hGetAll(keys.embeddingCacheStats())).toEqual({ hits: "2", misses: "1" });
    expect(() => new CachedEmbeddings(inner, test.client, keys, 60, { memoEntries: Number.NaN })).toThrow(RangeError);
    expect(() => new CachedEmbeddings(inner, test.client, keys, 60, { memoEntries: -1 })).toThrow(RangeError);
  });

  it("counts hits and misses in Redis, so two processes' counts add up", async () => {
    const keys = new KeySchema(`${test.prefix}stats:`);
    const one = new CachedEmbeddings(new HashingEmbeddings(16, "s"), test.client, keys, 60);
    const other = new CachedEmbeddings(new HashingEmbeddings(16, "s"), test.client, keys, 60);
    await one.embed(["x", "y"]);
    await other.embed(["x", "y", "z"]);
    expect(await one.stats()).toEqual({ hits: 2, misses: 3, hitRate: 0.4, errors: 0 });
    expect((await other.stats()).hits).toBe(2);
  });

  it("passes through while Redis is down, counts the errors, and caches again after a restart", async () => {
    const server = await spawnPrivateRedis();
    const client = await connectRedis({ url: server.url, commandTimeoutMs: 300, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    try {
      const lines: string[] = [];
      const log = createLogger("warn", (line) => lines.push(line));
      const cache = new CachedEmbeddings(new HashingEmbeddings(16, "p"), client, new KeySchema("t:"), 60, { log });
      await cache.embed(["steady"]);
      await server.stop();
      const [vector] = await cache.embed(["while down"]);
      expect(vector).toHaveLength(16);
      // From memory: no lookup, but its hit is counted, and that write fails and is logged once.
      expect(await cache.embed(["steady"])).toHaveLength(1);
      await cache.embed(["steady"]);
      expect((await cache.stats()).errors).toBeGreaterThanOrEqual(2);
      expect(lines.filter((line) => line.includes("embedding cache statistics"))).toHaveLength(1);
      const { RedisServerProcess } = await import("../../src/index.js");
      const restarted = await RedisServerProcess.start({ port: server.port, dir: server.dir });
      try {
        for (let attempt = 0; attempt < 50; attempt++) {
          if (await client.ping().then(() => true, () => false)) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await cache.embed(["after restart"]);
        expect(await client.exists(new KeySchema("t:").embeddingCache(createHash("sha256").update("hashing:p:after restart").digest("hex")))).toBe(1);
      } finally {
        await closeRedis(client);
        await restarted.stop();
      }
    } finally {
      await closeRedis(client);
      await server.cleanup();
    }
  });
});
