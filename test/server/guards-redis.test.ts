import { Hono, type MiddlewareHandler } from "hono";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerOf } from "../../src/server/auth.js";
import { bearerAuth } from "../support/auth.js";
import { errorResponse, REDIS_UNAVAILABLE_MESSAGE } from "../../src/server/errors.js";
import { AuthFailureLimiter, authFailureThrottle, OutageLog, unavailableAs503 } from "../../src/server/guards/index.js";
import { CircuitOpenError, closeRedis, connectRedis, createLogger, isRedisOutage, KeySchema, RedisServerProcess, type RedisClient } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

interface ErrorReply {
  error: { code: string; message: string };
}

describe("unavailableAs503 against a Redis that is paused, then stopped, then back", () => {
  let server: Awaited<ReturnType<typeof spawnPrivateRedis>>;
  let restarted: RedisServerProcess | undefined;
  let client: RedisClient;
  const lines: string[] = [];

  beforeAll(async () => {
    server = await spawnPrivateRedis();
    client = await connectRedis({ url: server.url, commandTimeoutMs: 300, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  });

  afterAll(async () => {
    await closeRedis(client);
    await restarted?.stop();
    await server.cleanup();
  });

  /** Two route families: one behind the app's error handler, one behind a foreign handler that answers 500 (as LangGraph's would). */
  function apps() {
    const log = createLogger("info", (line) => lines.push(line));
    const outage = new OutageLog(log);
    const app = new Hono();
    app.use("*", unavailableAs503({ outage }));
    app.get("/api/value", async (context) => context.json({ value: await client.get("guard:value") }));
    app.get("/api/bug", () => {
      throw new TypeError("Cannot read properties of undefined (reading 'secret') at /srv/app/src/x.ts:12");
    });
    app.onError((error, context) => errorResponse(error, context, log, { outage }));
    const foreign = new Hono();
    foreign.use("*", unavailableAs503({ outage, retryAfterSeconds: 7 }));
    foreign.get("/threads/x", async (context) => context.json({ value: await client.get("guard:value") }));
    foreign.onError((error, context) => context.json({ error: "Internal", message: error.message, stack: error.stack }, 500));
    return { app, foreign, outage };
  }

  it("keeps the outage message free of internals", () => {
    expect(REDIS_UNAVAILABLE_MESSAGE).not.toMatch(/Error|offline|closed|\/src\/|127\.0\.0\.1/);
  });

  it("answers 503 ERR_REDIS_UNAVAILABLE with Retry-After on both families, logs one line per outage, and nothing internal", async () => {
    const { app, foreign, outage } = apps();
    expect((await app.request("/api/value")).status).toBe(200);

    const admin = createClient({ url: server.url });
    await admin.connect();
    await admin.sendCommand(["CLIENT", "PAUSE", "1500", "ALL"]);
    await admin.close();
    const paused = await app.request("/api/value");
    expect(paused.status).toBe(503);
    expect(paused.headers.get("retry-after")).toBe("5");
    expect(((await paused.json()) as ErrorReply).error.code).toBe("ERR_REDIS_UNAVAILABLE");

    await server.stop();
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const [target, path, retryAfter] of [[app, "/api/value", "5"], [foreign, "/threads/x", "7"]] as const) {
        const response = await target.request(path);
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toBe(retryAfter);
        expect(await response.json()).toEqual({ error: { code: "ERR_REDIS_UNAVAILABLE", message: REDIS_UNAVAILABLE_MESSAGE } });
      }
    }
    expect(outage.refusedRequests).toBe(7);
    expect(lines.filter((line) => line.startsWith("error: Redis is unavailable"))).toHaveLength(1);
    expect(lines).toHaveLength(1);

    restarted = await RedisServerProcess.start({ port: server.port, dir: server.dir });
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      status = (await app.request("/api/value")).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(200);
    expect(outage.ongoing).toBe(false);
    expect(lines.filter((line) => line.startsWith("Redis answers again"))).toHaveLength(1);
  });

  it("tells an outage (anywhere in the cause chain) from a bug", async () => {
    const closed = await connectRedis({ url: server.url });
    await closeRedis(closed);
    const offline = await closed.get("x").catch((error: unknown) => error);
    expect(isRedisOutage(offline)).toBe(true);
    expect(isRedisOutage(new Error("the run failed", { cause: new CircuitOpenError("redis", new Date()) }))).toBe(true);
    expect(isRedisOutage(new TypeError("x is undefined"))).toBe(false);
    expect(isRedisOutage("a string")).toBe(false);
  });

  it("keeps a real bug a 500 ERR_INTERNAL whose body says nothing of it", async () => {
    const { app } = apps();
    const response = await app.request("/api/bug");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "ERR_INTERNAL", message: "Internal server error" } });
    expect(text).not.toMatch(/TypeError|secret|\/srv/);
  });
});

describe("authFailureThrottle and AuthFailureLimiter", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "auth-throttle" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  const token = "0123456789abcdef0123";

  function app(limiter: AuthFailureLimiter, checked: { count: number }) {
    const auth = bearerAuth(new Map([[token, "alice"]]));
    const log = createLogger("error", () => undefined);
    const counted: MiddlewareHandler = async (context, next) => {
      checked.count += 1;
      return auth(context, next);
    };
    return new Hono()
      .use("/api/*", authFailureThrottle({ limiter, addressOf: (context) => context.req.header("x-test-address") ?? "unknown" }), counted)
      .get("/api/me", (context) => context.json({ user: callerOf(context) }))
      .onError((error, context) => errorResponse(error, context, log));
  }

  const request = (target: { request: (path: string, init: RequestInit) => Response | Promise<Response> }, address: string, bearer: string) =>
    target.request("/api/me", { headers: { authorization: `Bearer ${bearer}`, "x-test-address": address } });

  it("answers 429 with Retry-After after N failures from one address, before checking the token, across processes", async () => {
    const options = { limit: 3, windowSeconds: 60 };
    const checked = { count: 0 };
    const first = app(new AuthFailureLimiter(test.client, test.keys, options), checked);
    const second = app(new AuthFailureLimiter(test.client, test.keys, options), checked);
    expect((await request(first, "10.0.0.1", token)).status).toBe(200);
    for (const target of [first, second, first]) expect((await request(target, "10.0.0.1", "wrong-token-wrong-token")).status).toBe(401);
    const before = checked.count;
    for (const [target, bearer] of [[second, "wrong-token-wrong-token"], [first, token]] as const) {
      const limited = await request(target, "10.0.0.1", bearer);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const reply = (await limited.json()) as ErrorReply;
      expect(reply.error.code).toBe("ERR_RATE_LIMITED");
      expect(reply.error.message).toMatch(/try again in \d+ s/);
    }
    expect(checked.count).toBe(before);
    expect((await request(second, "10.0.0.2", token)).status).toBe(200);
    const ttl = await test.client.ttl(test.keys.authFailures("10.0.0.1"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await test.client.get(test.keys.authFailures("10.0.0.1"))).toBe("3");
  });

  it("keeps the window fixed: more failures do not push its end out", async () => {
    const limiter = new AuthFailureLimiter(test.client, test.keys, { limit: 100, windowSeconds: 30 });
    await limiter.recordFailure("::1");
    await test.client.expire(test.keys.authFailures("::1"), 5);
    expect(await limiter.recordFailure("::1")).toBe(2);
    expect(await test.client.ttl(test.keys.authFailures("::1"))).toBeLessThanOrEqual(5);
    expect(await limiter.check("::1")).toEqual({ limited: false, failures: 2 });
  });

  it("keeps an address's counter on the key schema's prefix, with IPv6 colons escaped inside the hash tag", () => {
    expect(new KeySchema("p:").authFailures("::ffff:10.0.0.1")).toBe("p:ratelimit:auth:{%3A%3Affff%3A10.0.0.1}");
  });
});
