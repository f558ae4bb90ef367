import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe, type RunningServe } from "../support/agent-server.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

const TOKEN = "outage-token-0123456789";

/**
 * `wellness serve` while its Redis is paused: every route family answers 503 with Retry-After
 * (never 500, never a stack or internal text), /health says so at once, the process stays up,
 * and everything answers again when Redis does. The Redis is this test's own: pausing the shared
 * one would stall every other test.
 */
describe("wellness serve during a Redis outage", () => {
  let redis: Awaited<ReturnType<typeof spawnPrivateRedis>>;
  let server: RunningServe;
  const request = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) } });

  beforeAll(async () => {
    redis = await spawnPrivateRedis();
    server = await startServe(
      undefined,
      { REDIS_URL: `redis://127.0.0.1:${redis.port}`, API_TOKENS: `${TOKEN}:olga`, REDIS_COMMAND_TIMEOUT_MS: "1500", EMBEDDING_PROVIDER: "local" },
      90_000,
      ["--model-module", "test/fixtures/models/chat-model.ts"],
    );
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await redis?.cleanup();
  });

  it("answers 503 with Retry-After on every route family while Redis is paused, and recovers", { timeout: 120_000 }, async () => {
    const thread = (await (await request("/threads", { method: "POST", body: "{}" })).json()) as { thread_id: string };
    const admin = createClient({ url: `redis://127.0.0.1:${redis.port}` });
    await admin.connect();
    try {
      await admin.sendCommand(["CLIENT", "PAUSE", "30000", "ALL"]);
      const families: [string, RequestInit][] = [
        ["/threads/search", { method: "POST", body: "{}" }],
        [`/threads/${thread.thread_id}/state`, {}],
        ["/assistants/search", { method: "POST", body: "{}" }],
        ["/runs/wait", { method: "POST", body: JSON.stringify({ assistant_id: "stateless", input: { messages: [{ role: "user", content: "hi" }] } }) }],
        ["/store/items/search", { method: "POST", body: JSON.stringify({ namespace_prefix: ["olga"] }) }],
        ["/api/sessions", {}],
        ["/api/memory?type=goal", {}],
        ["/api/health/summary", {}],
      ];
      for (const [path, init] of families) {
        const response = await request(path, init);
        const body = await response.text();
        expect(response.status, `${path}: ${body}`).toBe(503);
        expect(response.headers.get("retry-after"), path).toMatch(/^\d+$/u);
        expect(JSON.parse(body), path).toMatchObject({ error: { code: "ERR_REDIS_UNAVAILABLE" } });
      }
      const started = Date.now();
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      // (CLIENT UNPAUSE waits for the pause itself; the pause simply ends.)
      await admin.quit();
    }
    await expect.poll(async () => (await request("/threads/search", { method: "POST", body: "{}" })).status, { timeout: 40_000 }).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toMatch(/TypeError/u);
  });
});
