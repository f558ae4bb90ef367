import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealthTools } from "../../src/agent/tools/index.js";
import {
  CacheAside,
  CachePatternError,
  CircuitBreaker,
  closeRedis,
  connectRedis,
  HealthStore,
  importExport,
  isCluster,
  isConnectionFailure,
  KeySchema,
  LocalEmbeddings,
  Memory,
  RedisLock,
  ToolOutputCache,
  UserContext,
} from "../../src/index.js";
import { twoWeeks } from "../support/health-fixture.js";
import { connectTestRedis, uniquePrefix, type TestConnection } from "../support/redis.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

const breaker = () => new CircuitBreaker({ failureThreshold: 3, cooldownMs: 60_000, isFailure: isConnectionFailure });

describe("CacheAside", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "cache" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  const fresh = () => {
    const keys = new KeySchema(`${test.prefix}${uniquePrefix("c")}`);
    return { keys, cache: new CacheAside(test.client, keys, breaker()) };
  };

  it("counts requests, hits and misses in Redis, and treats an unparseable value as a miss", async () => {
    const { cache, keys } = fresh();
    await cache.set("profile", { name: "Ann", goals: [1, 2] });
    await cache.set("greeting", "hello");
    await cache.set("count", 42);
    expect(await cache.get("profile")).toEqual({ name: "Ann", goals: [1, 2] });
    expect(await cache.get("greeting")).toBe("hello");
    expect(await cache.get("count")).toBe("42");
    expect(await cache.get("missing", "default")).toBe("default");
    await test.client.set(keys.cache("broken"), "{not json");
    expect(await cache.get("broken")).toBeUndefined();
    const stats = await cache.stats();
    expect(stats).toMatchObject({ requests: 5, hits: 3, misses: 2, hitRate: 0.6, errors: 0, keys: 4 });
    expect(stats.usedMemory).toMatch(/\d/);
    expect(await test.client.hGet(keys.cacheStats(), "parse_errors")).toBe("1");
  });

  it("honours TTL, NX and XX", async () => {
    const { cache } = fresh();
    expect(await cache.set("a", "1", { ttl: 100 })).toBe(true);
    expect(await cache.ttl("a")).toBeGreaterThan(95);
    expect(await cache.set("a", "2", { nx: true })).toBe(false);
    expect(await cache.get("a")).toBe("1");
    expect(await cache.set("b", "1", { xx: true })).toBe(false);
    expect(await cache.exists("a", "b")).toBe(1);
    expect(await cache.set("a", "3", { xx: true })).toBe(true);
    expect(await cache.get("a")).toBe("3");
    expect(await cache.ttl("a")).toBe(-1);
    expect(await cache.expire("a", 50)).toBe(true);
    expect(await cache.ttl("missing")).toBe(-2);
    expect(await cache.delete("a", "missing")).toBe(1);
    await expect(cache.set("c", "x", { nx: true, xx: true })).rejects.toThrow(RangeError);
    let loads = 0;
    const loader = () => Promise.resolve({ loaded: ++loads });
    expect(await cache.getOrSet("lazy", 60, loader)).toEqual({ loaded: 1 });
    expect(await cache.getOrSet("lazy", 60, loader)).toEqual({ loaded: 1 });
  });

  it("invalidates exactly the matching keys among 10,000, never outside the namespace", async () => {
    const { cache, keys } = fresh();
    const names = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? `report:${i}` : `summary:${i}`));
    for (let i = 0; i < names.length; i += 1000) {
      await Promise.all(names.slice(i, i + 1000).map((name) => test.client.set(keys.cache(name), "v")));
    }
    const neighbour = keys.healthData("ann");
    await test.client.set(neighbour, "{}");
    expect(await cache.invalidatePattern("report:*")).toBe(5000);
    expect((await cache.stats()).keys).toBe(5000);
    expect(await test.client.exists(neighbour)).toBe(1);
    for (const pattern of ["{ann}*", "user:{bob}:*", "a\\*", ""]) {
      await expect(cache.invalidatePattern(pattern)).rejects.toBeInstanceOf(CachePatternError);
    }
    expect(await cache.invalidatePattern("*")).toBe(5000);
  });

  it("clears one user's cache and leaves other users' keys", async () => {
    const { cache, keys } = fresh();
    await test.client.set(keys.userProfile("ann"), "{}");
    await test.client.set(keys.userContextLine("ann"), "hi Ann");
    await test.client.set(keys.userProfile("annabel"), "{}");
    await test.client.set(keys.userProfile("bob"), "{}");
    expect(await cache.clearUserCache("ann")).toBe(2);
    expect(await test.client.exists([keys.userProfile("annabel"), keys.userProfile("bob")])).toBe(2);
    expect(await cache.invalidatePattern("prof*", { userId: "bob" })).toBe(1);
    await expect(cache.clearUserCache("a*")).rejects.toMatchObject({ code: "ERR_INVALID_ID" });
  });

  it("passes through while Redis is down: reads miss, writes are skipped, loaders answer, errors are counted", async () => {
    const server = await spawnPrivateRedis();
    const client = await connectRedis({ url: server.url, commandTimeoutMs: 300, reconnect: { maxDelayMs: 100 } });
    try {
      const cache = new CacheAside(client, new KeySchema("t:"), breaker());
      await cache.set("k", "v");
      await server.stop();
      expect(await cache.get("k", "fallback")).toBe("fallback");
      expect(await cache.set("k", "w")).toBe(false);
      expect(await cache.getOrSet("k", 60, () => Promise.resolve("from loader"))).toBe("from loader");
      expect(await cache.invalidatePattern("*")).toBe(0);
      for (let i = 0; i < 5; i++) await cache.get("k");
      expect((await cache.stats()).errors).toBeGreaterThanOrEqual(8);
      expect((await cache.healthCheck()).ok).toBe(false);
    } finally {
      await closeRedis(client);
      await server.cleanup();
    }
  });
});

describe("RedisLock", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "lock" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("admits one holder, and only the holder can release it", async () => {
    const lock = new RedisLock(test.client, test.keys);
    const holders = await Promise.all(Array.from({ length: 10 }, () => lock.acquire("import", "ann", 5_000)));
    const held = holders.filter((holder) => holder !== undefined);
    expect(held).toHaveLength(1);
    const owner = held[0]!;
    await test.client.set(owner.key, "someone-else");
    expect(await owner.release()).toBe(false);
    expect(await test.client.get(owner.key)).toBe("someone-else");
    await test.client.unlink(owner.key);
    const next = await lock.acquire("import", "ann", 5_000);
    expect(next).toBeDefined();
    expect(await next?.extend(10_000)).toBe(true);
    expect(await next?.release()).toBe(true);
    expect(await test.client.exists(owner.key)).toBe(0);
  });
});

describe("ToolOutputCache", () => {
  let test: TestConnection;
  let dir: string;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "toolcache" });
    dir = mkdtempSync(join(tmpdir(), "wellness-toolcache-"));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  it("serves repeated tool calls from the cache until an import changes the data", async () => {
    const first = join(dir, "first.xml");
    writeFileSync(first, twoWeeks());
    await importExport({ client: test.client, keys: test.keys, userId: "cal", path: first, indexTtlSeconds: 3600 });
    const cache = new CacheAside(test.client, test.keys, breaker());
    const toolCache = new ToolOutputCache(test.client, test.keys, cache, { pastTtlSeconds: 3600, todayTtlSeconds: 300 });
    const memory = new Memory({ client: test.client, keys: test.keys, embeddings: new LocalEmbeddings(), ttlSeconds: 60, embeddingCacheTtlSeconds: 60 });
    const tools = createHealthTools({
      client: test.client,
      keys: test.keys,
      store: new HealthStore(test.client, test.keys),
      memory,
      timeZone: "America/Los_Angeles",
      now: () => new Date("2024-10-21T19:00:00Z"),
      toolCache,
    });
    const ask = async () => JSON.parse(String(await tools.get_workouts.invoke({ period: "last week" }, { configurable: { userId: "cal" } }))) as { count: number };
    expect((await ask()).count).toBe(2);
    expect((await ask()).count).toBe(2);
    expect((await toolCache.stats()).get_workouts).toEqual({ hits: 1, misses: 1, hitRate: 0.5 });
    const [cached] = await (async () => {
      const found: string[] = [];
      const client = test.client;
      if (!isCluster(client)) {
        for await (const batch of client.scanIterator({ MATCH: `${test.keys.userCacheRoot("cal")}tool:*`, COUNT: 100 })) found.push(...batch);
      }
      return found;
    })();
    expect(await test.client.ttl(cached ?? "")).toBeGreaterThan(3500);

    const second = join(dir, "second.xml");
    writeFileSync(second, twoWeeks().replace('workoutActivityType="HKWorkoutActivityTypeCycling"', 'workoutActivityType="HKWorkoutActivityTypeYoga"').replace("</HealthData>", ' <Workout workoutActivityType="HKWorkoutActivityTypeYoga" duration="30" durationUnit="min" sourceName="Apple Watch" startDate="2024-10-16 07:00:00 -0700" endDate="2024-10-16 07:30:00 -0700"/>\n</HealthData>'));
    await importExport({ client: test.client, keys: test.keys, userId: "cal", path: second, indexTtlSeconds: 3600 });
    expect((await ask()).count).toBe(3);
    expect((await toolCache.stats()).get_workouts).toMatchObject({ hits: 1, misses: 2 });
  });
});

describe("UserContext", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "usercontext" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("caches the profile for an hour and the context line for two minutes; an import drops both", async () => {
    const fixture = new URL("../fixtures/apple-health/healthkit-to-sqlite/tests_export.xml", import.meta.url).pathname;
    const store = new HealthStore(test.client, test.keys);
    const context = new UserContext(new CacheAside(test.client, test.keys, breaker()), test.keys, store, () => new Date("2024-10-21T12:00:00Z"));
    expect(await context.contextLine("dora")).toBe("The user has not imported any Apple Health data yet.");
    await importExport({ client: test.client, keys: test.keys, userId: "dora", path: fixture, indexTtlSeconds: 3600 });
    expect(await test.client.exists([test.keys.userProfile("dora"), test.keys.userContextLine("dora")])).toBe(0);
    expect(await context.profile("dora")).toMatchObject({ hasData: true, age: 34, biologicalSex: "male", estimatedMaxHeartRate: 184, workouts: 1 });
    expect(await context.contextLine("dora")).toBe(
      "The user's health data runs from 2016-04-18 to 2018-09-10: 2 metrics (BodyMassIndex, HeartRate), 1 workouts, 0 nights of sleep. Age 34, male; estimated maximum heart rate 184 bpm.",
    );
    expect(await test.client.ttl(test.keys.userProfile("dora"))).toBeGreaterThan(3500);
    const lineTtl = await test.client.ttl(test.keys.userContextLine("dora"));
    expect(lineTtl).toBeGreaterThan(100);
    expect(lineTtl).toBeLessThanOrEqual(120);
  });
});
