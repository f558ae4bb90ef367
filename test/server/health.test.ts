import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker, createApp, isConnectionFailure, silentLogger } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

describe("GET /health", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "http" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("answers 200 with Redis version, capabilities and the breaker's state", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1_000, isFailure: isConnectionFailure });
    const app = createApp({ redis: test.client, keys: test.keys, breaker, log: silentLogger, singleUser: true });
    const response = await app.request("/health");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { redis: { capabilities: Record<string, unknown> } };
    expect(body).toMatchObject({ status: "ok", redis: { ok: true, mode: "standalone" }, breaker: { name: "redis", state: "closed" } });
    expect(Object.keys(body.redis.capabilities).sort()).toEqual(["json", "queryEngine"]);
    expect(Object.values(body.redis.capabilities).every((value) => typeof value === "boolean")).toBe(true);
  });

  it("answers 503 with the reason while the circuit is open", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    await expect(breaker.execute(() => Promise.reject(new Error("down")))).rejects.toThrow();
    const app = createApp({ redis: test.client, keys: test.keys, breaker, log: silentLogger, singleUser: true });
    const response = await app.request("/health");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "unavailable", redis: { ok: false }, breaker: { state: "open" } });
  });

  it("answers unknown routes with a JSON 404", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1 });
    const app = createApp({ redis: test.client, keys: test.keys, breaker, log: silentLogger, singleUser: true });
    const response = await app.request("/nope");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "ERR_NOT_FOUND", message: "No route for GET /nope" } });
  });
});
