import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createClient } from "redis";
import { closeRedis, connectRedis, RedisUnavailableError, reconnectDelay, type RedisClient } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { freePort } from "../support/ports.js";

describe("reconnectDelay", () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 5_000 };

  it("doubles per retry, stays within [half, full] of the capped delay", () => {
    for (let retries = 0; retries < 12; retries++) {
      const capped = Math.min(5_000, 100 * 2 ** retries);
      expect(reconnectDelay(retries, policy, () => 0)).toBe(capped / 2);
      expect(reconnectDelay(retries, policy, () => 1)).toBe(capped);
    }
  });

  it("never exceeds the cap, even after thousands of retries", () => {
    expect(reconnectDelay(10_000, policy, () => 1)).toBe(5_000);
  });
});

describe("connectRedis", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "client" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("connects to a URL and runs commands", async () => {
    const key = `${test.prefix}hello`;
    await test.client.set(key, "world");
    expect(await test.client.get(key)).toBe("world");
  });

  it("fails with RedisUnavailableError that says how to get Redis when nothing listens", async () => {
    const port = await freePort();
    const attempt = connectRedis({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500, reconnect: { initialDelayMs: 10 } });
    await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(attempt).rejects.toMatchObject({ code: "ERR_REDIS_UNAVAILABLE" });
    await expect(attempt).rejects.toThrow(/apt-get install redis-server.*docker run -p 6379:6379 redis:8.*REDIS_URL/);
  });

  it("never shows the password of the URL it could not reach", async () => {
    const port = await freePort();
    const attempt = connectRedis({ url: `redis://app:s3cret@127.0.0.1:${port}`, reconnect: { connectAttempts: 1 } });
    await expect(attempt).rejects.toThrow(/app:\*\*\*@/);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it("times out a command that the server does not answer", async () => {
    const url = test.url;
    const slow = await connectRedis({ url, commandTimeoutMs: 100 });
    const admin = createClient({ url });
    await admin.connect();
    try {
      await admin.sendCommand(["CLIENT", "PAUSE", "600", "ALL"]);
      await expect(slow.get(`${test.prefix}paused`)).rejects.toThrow(/timeout/i);
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 650));
      await admin.close();
      await closeRedis(slow);
    }
  });

  it("gives commands no timer of their own: the silent socket's timeout is what bounds them", async () => {
    const client = await connectRedis({ url: test.url, commandTimeoutMs: 5_000 });
    const timeouts = vi.spyOn(AbortSignal, "timeout");
    try {
      const key = `${test.prefix}timers`;
      await Promise.all(Array.from({ length: 100 }, () => client.incr(key)));
      expect(await client.get(key)).toBe("100");
      expect(timeouts).not.toHaveBeenCalled();
    } finally {
      timeouts.mockRestore();
      await closeRedis(client);
    }
  });

  it("closeRedis settles pending commands before closing", async () => {
    const client: RedisClient = await connectRedis({ url: test.url });
    const key = `${test.prefix}counter`;
    const pending = Array.from({ length: 200 }, () => client.incr(key));
    await closeRedis(client);
    const results = await Promise.all(pending);
    expect(results.at(-1)).toBe(200);
    expect(client.isOpen).toBe(false);
    await closeRedis(client);
  });
});
