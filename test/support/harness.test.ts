import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createClient } from "redis";
import { acquireTestRedis, NoTestRedisError, TestRedisNotEmptyError } from "./test-redis.js";
import { answersPing } from "../../src/index.js";

describe("the real-Redis test harness", () => {
  const url = inject("redisUrl");
  const client = createClient({ url: `${url}/7` });

  beforeAll(async () => {
    await client.connect();
  });

  afterAll(async () => {
    await client.close();
  });

  it("ran this suite on a real private server, never on port 6379", async () => {
    expect(["redis-server", "testcontainers", "TEST_REDIS_URL"]).toContain(inject("redisSource"));
    if (inject("redisSource") !== "TEST_REDIS_URL") expect(new URL(url).port).not.toBe("6379");
    expect(await client.ping()).toBe("PONG");
  });

  it("refuses a TEST_REDIS_URL database that already holds keys, and deletes nothing", async () => {
    const key = "harness:someone-elses-data";
    await client.set(key, "precious");
    try {
      const attempt = acquireTestRedis({ TEST_REDIS_URL: `${url}/7` });
      await expect(attempt).rejects.toBeInstanceOf(TestRedisNotEmptyError);
      await expect(attempt).rejects.toMatchObject({ code: "ERR_TEST_REDIS_NOT_EMPTY" });
      await expect(attempt).rejects.toThrow(/already holds 1 keys.*empty database/);
      expect(await client.get(key)).toBe("precious");
    } finally {
      await client.unlink(key);
    }
  });

  it("accepts an empty TEST_REDIS_URL database and leaves its server running on release", async () => {
    const redis = await acquireTestRedis({ TEST_REDIS_URL: `${url}/8` });
    expect(redis).toMatchObject({ source: "TEST_REDIS_URL", url: `${url}/8` });
    await redis.release();
    expect(await answersPing(Number(new URL(url).port), new URL(url).hostname)).toBe(true);
  });

  it("starts a private redis-server on a free port when nothing is configured, and stops it", async () => {
    const redis = await acquireTestRedis({ DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    expect(redis.source).toBe("redis-server");
    const port = Number(new URL(redis.url).port);
    expect(port).not.toBe(6379);
    expect(await answersPing(port)).toBe(true);
    await redis.release();
    expect(await answersPing(port)).toBe(false);
  });

  it("fails with one message saying how to get Redis when there is no way to", async () => {
    const attempt = acquireTestRedis({
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
      TEST_REDIS_SERVER: "/nonexistent/redis-server",
    });
    await expect(attempt).rejects.toBeInstanceOf(NoTestRedisError);
    await expect(attempt).rejects.toThrow(/install redis-server.*Docker engine.*TEST_REDIS_URL/);
  });
});
