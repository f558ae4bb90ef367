import { Hono, type Context } from "hono";
import type { Logger } from "../logger.js";
import type { CircuitBreaker } from "../redis/breaker.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { Memory } from "../memory/index.js";
import { errorResponse } from "./errors.js";
import { healthRoutes } from "./routes/health.js";
import { memoryRoutes } from "./routes/memory.js";

export interface AppDependencies {
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
  log: Logger;
  /** Long-term memory; its routes are mounted at /api/memory when given. */
  memory?: Memory;
  /** The caller's user id: from authentication, or the default user in single-user mode. */
  userOf?: (context: Context) => string;
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
  if (dependencies.memory && dependencies.userOf) {
    app.route("/api/memory", memoryRoutes({ memory: dependencies.memory, userOf: dependencies.userOf }));
  }
  app.notFound((context) =>
    context.json({ error: { code: "ERR_NOT_FOUND", message: `No route for ${context.req.method} ${context.req.path}` } }, 404),
  );
  app.onError((error, context) => errorResponse(error, context, dependencies.log));
  return app;
}
