import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker, checkRedisHealth, closeRedis, connectRedis, KeySchema, type RedisClient } from "../../src/index.js";
import { useTestCluster } from "../support/cluster.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

/** The version of the redis-server on PATH, e.g. "7.0.15". */
function installedVersion(): string {
  const output = execFileSync("redis-server", ["--version"], { encoding: "utf8" });
  return /v=(\S+)/u.exec(output)?.[1] ?? "unknown";
}

describe("checkRedisHealth on the installed redis-server (Debian's 7.0 here: no modules)", () => {
  let server: Awaited<ReturnType<typeof spawnPrivateRedis>>;
  let client: RedisClient;

  beforeAll(async () => {
    server = await spawnPrivateRedis();
    client = await connectRedis({ url: server.url });
  });

  afterAll(async () => {
    await closeRedis(client);
    await server.cleanup();
  });

  it("reports version, mode, latency, no Query Engine and no JSON", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000 });
    const report = await checkRedisHealth(client, new KeySchema("test:health:"), breaker);
    expect(report.redis.ok).toBe(true);
    if (!report.redis.ok) return;
    expect(report.redis.version).toBe(installedVersion());
    expect(report.redis.mode).toBe("standalone");
    expect(report.redis.server).toBe("redis");
    expect(report.redis.latencyMs).toBeGreaterThan(0);
    expect(report.redis.capabilities).toEqual({ queryEngine: false, json: false });
    expect(report.breaker).toMatchObject({ state: "closed", totalSuccesses: 1 });
    expect(await client.dbSize()).toBe(0);
  });

  it("reports an unreachable server as not ok instead of throwing", async () => {
    const other = await spawnPrivateRedis();
    const doomed = await connectRedis({ url: other.url, commandTimeoutMs: 300, reconnect: { maxDelayMs: 50 } });
    await other.cleanup();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const report = await checkRedisHealth(doomed, new KeySchema(), breaker);
    expect(report.redis.ok).toBe(false);
    expect(report.breaker?.state).toBe("open");
    await closeRedis(doomed);
  });
});

describe("checkRedisHealth on a Redis Cluster", () => {
  const setup = useTestCluster();

  it("reports cluster mode and probes capabilities through the cluster setup.client", async () => {
    const report = await checkRedisHealth(setup.client, new KeySchema("test:health:"));
    expect(report.redis).toMatchObject({ ok: true, mode: "cluster", capabilities: { queryEngine: false, json: false } });
    expect(report.breaker).toBeUndefined();
  });
});
