import { Hono } from "hono";
import type { CircuitBreaker } from "../../redis/breaker.js";
import type { RedisClient } from "../../redis/client.js";
import { checkRedisHealth } from "../../redis/health.js";
import type { KeySchema } from "../../redis/keys.js";

export interface HealthRouteDependencies {
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
}

/** GET /health: 200 with the report when Redis answers, 503 with the same shape when it does not. */
export function healthRoutes({ redis, keys, breaker }: HealthRouteDependencies): Hono {
  return new Hono().get("/", async (context) => {
    const report = await checkRedisHealth(redis, keys, breaker);
    const status = report.redis.ok ? "ok" : "unavailable";
    return context.json({ status, ...report }, report.redis.ok ? 200 : 503);
  });
}
