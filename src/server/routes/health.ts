import { Hono } from "hono";
import type { CircuitBreaker } from "../../redis/breaker.js";
import type { RedisClient } from "../../redis/client.js";
import { checkRedisHealth } from "../../redis/health.js";
import type { KeySchema } from "../../redis/keys.js";

export interface HealthRouteDependencies {
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
  /** Whether the chat model answers; reported, but a model outage does not make /health fail. */
  modelHealth?: () => Promise<{ ok: boolean; error?: string }>;
  /** The live system (instances, learning stream, models), reported beside Redis. */
  live?: () => Promise<unknown>;
}

/** GET /health: 200 with the report when Redis answers, 503 with the same shape when it does not. */
export function healthRoutes({ redis, keys, breaker, modelHealth, live }: HealthRouteDependencies): Hono {
  return new Hono().get("/", async (context) => {
    const [report, model, system] = await Promise.all([checkRedisHealth(redis, keys, breaker), modelHealth?.(), live?.()]);
    const status = report.redis.ok ? "ok" : "unavailable";
    return context.json({ status, ...report, ...(model ? { model } : {}), ...(system === undefined ? {} : { live: system }) }, report.redis.ok ? 200 : 503);
  });
}
