import { Hono } from "hono";
import type { Logger } from "../logger.js";
import type { CircuitBreaker } from "../redis/breaker.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import { errorResponse } from "./errors.js";
import { healthRoutes } from "./routes/health.js";

export interface AppDependencies {
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
  log: Logger;
}

/**
 * The HTTP app: one sub-app per resource, mounted here, with errors mapped to status codes in
 * one place. Takes its dependencies; creates no connections of its own.
 *
 * @example
 * ```ts
 * const app = createApp({ redis, keys, breaker, log });
 * const response = await app.request("/health");
 * ```
 */
export function createApp(dependencies: AppDependencies): Hono {
  const app = new Hono();
  app.route("/health", healthRoutes(dependencies));
  app.notFound((context) =>
    context.json({ error: { code: "ERR_NOT_FOUND", message: `No route for ${context.req.method} ${context.req.path}` } }, 404),
  );
  app.onError((error, context) => errorResponse(error, context, dependencies.log));
  return app;
}
