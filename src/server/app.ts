import { Hono } from "hono";
import type { Logger } from "../logger.js";
import type { CircuitBreaker } from "../redis/breaker.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { WellnessAgent } from "../agent/index.js";
import type { Memory } from "../memory/index.js";
import { errorResponse } from "./errors.js";
import { healthRoutes } from "./routes/health.js";
import { healthSeriesRoutes } from "./routes/health-series.js";
import { meRoutes } from "./routes/me.js";
import { webRoutes } from "./routes/web.js";
import type { Authentication } from "./auth.js";
import { chatRoutes } from "./routes/chat.js";
import { importRoutes } from "./routes/import.js";
import { memoryRoutes } from "./routes/memory.js";
import { sessionRoutes } from "./routes/sessions.js";

export interface AppDependencies {
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
  log: Logger;
  /** Long-term memory; its routes are mounted at /api/memory when given. */
  memory?: Memory;
  /** The agent; chat and session routes are mounted when given. */
  agent?: WellnessAgent;
  /** Who the caller is; /api/* routes are mounted only with it. */
  auth?: Authentication;
  /** TTL of the indexes an upload rebuilds (mounts /api/import when given with auth). */
  indexTtlSeconds?: number;
  /** Extra health information, e.g. whether the chat model answers. */
  modelHealth?: () => Promise<{ ok: boolean; error?: string }>;
  /** Where the built web app is (default dist/web); false leaves `/` unmounted. */
  webRoot?: string | false;
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
  const { auth, memory, agent } = dependencies;
  if (auth) {
    app.use("/api/*", auth.middleware);
    const userOf = auth.userOf;
    app.route("/api/me", meRoutes({ userOf, singleUser: auth.singleUser }));
    app.route("/api/health", healthSeriesRoutes({ client: dependencies.redis, keys: dependencies.keys, userOf }));
    if (memory) app.route("/api/memory", memoryRoutes({ memory, userOf }));
    if (agent) {
      app.route("/api/chat", chatRoutes({ agent, userOf, log: dependencies.log }));
      app.route("/api/sessions", sessionRoutes({ agent, userOf }));
    }
    if (dependencies.indexTtlSeconds !== undefined) {
      app.route("/api/import", importRoutes({ client: dependencies.redis, keys: dependencies.keys, indexTtlSeconds: dependencies.indexTtlSeconds, userOf }));
    }
  }
  if (dependencies.webRoot !== false) app.route("/", webRoutes(dependencies.webRoot === undefined ? {} : { root: dependencies.webRoot }));
  app.notFound((context) =>
    context.json({ error: { code: "ERR_NOT_FOUND", message: `No route for ${context.req.method} ${context.req.path}` } }, 404),
  );
  app.onError((error, context) => errorResponse(error, context, dependencies.log));
  return app;
}
