import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CircuitBreaker,
  CircuitOpenError,
  closeRedis,
  connectRedis,
  isConnectionFailure,
  RedisServerProcess,
  type RedisClient,
} from "../../src/index.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const fail = () => Promise.reject(new Error("boom"));
const succeed = () => Promise.resolve("ok");

describe("CircuitBreaker (state machine)", () => {
  it("opens after N consecutive failures and then fails fast without calling", async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, now: clock.now });
    for (let i = 0; i < 3; i++) await expect(breaker.execute(fail)).rejects.toThrow("boom");
    expect(breaker.state).toBe("open");
    let called = false;
    const attempt = breaker.execute(() => {
      called = true;
      return succeed();
    });
    await expect(attempt).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(attempt).rejects.toMatchObject({ code: "ERR_CIRCUIT_OPEN" });
    expect(called).toBe(false);
    expect(breaker.snapshot()).toMatchObject({ state: "open", consecutiveFailures: 3, totalFailures: 3, rejected: 1, opened: 1 });
    expect(breaker.snapshot().retryAt).toBe(new Date(clock.now() + 1_000).toISOString());
  });

  it("a success resets the consecutive count", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000 });
    await expect(breaker.execute(fail)).rejects.toThrow();
    await breaker.execute(succeed);
    await expect(breaker.execute(fail)).rejects.toThrow();
    expect(breaker.state).toBe("closed");
    expect(breaker.snapshot()).toMatchObject({ consecutiveFailures: 1, totalFailures: 2, totalSuccesses: 1 });
  });

  it("half-opens after the cool-down, admits one trial, and closes on its success", async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 500, now: clock.now });
    await expect(breaker.execute(fail)).rejects.toThrow();
    clock.advance(499);
    expect(breaker.state).toBe("open");
    clock.advance(1);
    expect(breaker.state).toBe("half_open");
    let release!: (value: string) => void;
    const trial = breaker.execute(() => new Promise<string>((resolve) => (release = resolve)));
    await expect(breaker.execute(succeed)).rejects.toBeInstanceOf(CircuitOpenError);
    release("ok");
    await expect(trial).resolves.toBe("ok");
    expect(breaker.state).toBe("closed");
  });

  it("reopens when the trial fails", async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 500, now: clock.now });
    await expect(breaker.execute(fail)).rejects.toThrow();
    await expect(breaker.execute(fail)).rejects.toThrow();
    clock.advance(500);
    await expect(breaker.execute(fail)).rejects.toThrow("boom");
    expect(breaker.state).toBe("open");
    expect(breaker.snapshot().opened).toBe(2);
  });

  it("does not count errors the predicate calls harmless", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 500, isFailure: () => false });
    await expect(breaker.execute(fail)).rejects.toThrow("boom");
    expect(breaker.state).toBe("closed");
  });

  it("validates its options", () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, cooldownMs: 1 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ failureThreshold: 1, cooldownMs: -1 })).toThrow(RangeError);
  });
});

describe("CircuitBreaker against a real Redis that goes away and comes back", () => {
  let server: Awaited<ReturnType<typeof spawnPrivateRedis>>;
  let restarted: RedisServerProcess | undefined;
  let client: RedisClient;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    server = await spawnPrivateRedis();
    client = await connectRedis({
      url: server.url,
      commandTimeoutMs: 500,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
  });

  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await closeRedis(client);
    await restarted?.stop();
    await server.cleanup();
  });

  it("opens while the server is down, fails fast, then half-opens and closes after a restart", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 300, isFailure: isConnectionFailure });
    const key = "test:breaker:probe";
    await breaker.execute(() => client.set(key, "1"));

    await server.stop();
    for (let i = 0; i < 3; i++) {
      await expect(breaker.execute(() => client.get(key))).rejects.not.toBeInstanceOf(CircuitOpenError);
    }
    expect(breaker.state).toBe("open");

    let attempted = false;
    const fastFailure = breaker.execute(() => {
      attempted = true;
      return client.get(key);
    });
    await expect(fastFailure).rejects.toBeInstanceOf(CircuitOpenError);
    expect(attempted).toBe(false);

    restarted = await RedisServerProcess.start({ port: server.port, dir: server.dir });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(breaker.state).toBe("half_open");

    let value: string | null = null;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        value = await breaker.execute(() => client.ping());
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 350));
      }
    }
    expect(value).toBe("PONG");
    expect(breaker.state).toBe("closed");
    expect(breaker.snapshot().totalFailures).toBeGreaterThanOrEqual(3);
    await client.unlink(key);
    expect(unhandled).toEqual([]);
  });

  it("a WRONGTYPE reply does not open the circuit", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10_000, isFailure: isConnectionFailure });
    const key = "test:breaker:list";
    await client.rPush(key, "x");
    await expect(breaker.execute(() => client.get(key))).rejects.toThrow(/WRONGTYPE/);
    expect(breaker.state).toBe("closed");
    await client.unlink(key);
  });
});
