import { Hono, type Context } from "hono";
import type { Conversations } from "../agent-server/conversations.js";
import type { Logger } from "../logger.js";
import type { Memory } from "../memory/index.js";
import type { CircuitBreaker } from "../redis/breaker.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { RedisStore } from "../store/index.js";
import { callerOf, type AppEnv, type RequestAuth } from "./auth.js";
import { errorResponse } from "./errors.js";
import { chatRoutes } from "./routes/chat.js";
import { healthRoutes } from "./routes/health.js";
import { liveStatus } from "./routes/health-live.js";
import { eventRoutes } from "./routes/events.js";
import type { EventBus } from "../events/bus.js";
import { healthSeriesRoutes } from "./routes/health-series.js";
import { importRoutes } from "./routes/import.js";
import { meRoutes } from "./routes/me.js";
import { memoryRoutes } from "./routes/memory.js";
import { sessionRoutes } from "./routes/sessions.js";
import { createStoreRoutes } from "./routes/store.js";
import { webRoutes } from "./routes/web.js";

export interface AppDependencies {
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
  log: Logger;
  /** Without API_TOKENS: one user, no sign-in (shown by /api/me). */
  singleUser: boolean;
  /** Long-term memory; its routes are mounted at /api/memory when given. */
  memory?: Memory;
  /** The caller's conversations on the Agent Server; /api/chat and /api/sessions are mounted with it. */
  conversationsFor?: (context: Context) => Conversations;
  /** The LangGraph store; the /store routes are mounted with it, each caller seeing only their own items. */
  store?: RedisStore;
  /** TTL of the indexes an upload rebuilds (mounts /api/import when given). */
  indexTtlSeconds?: number;
  /** Largest upload to /api/import, in bytes (MAX_UPLOAD_BYTES; the import routes' default when absent). */
  maxUploadBytes?: number;
  /** Extra health information, e.g. whether the chat model answers. */
  modelHealth?: () => Promise<{ ok: boolean; error?: string }>;
  /** Where the built web app is (default dist/web); false leaves `/` unmounted. */
  webRoot?: string | false;
  /** The event bus: GET /api/events streams the caller's events with it, and /health lists the live system. */
  events?: EventBus;
}

/** Environment a host passes to `app.fetch`: the request's authentication, when it already ran. */
export interface AppBindings {
  auth?: RequestAuth;
}

/**
 * The app's HTTP routes (web page, /health, /api/*, /store): one sub-app per resource, mounted
 * here, with errors mapped to status codes in one place. The caller comes from the Agent Server's
 * authentication, which runs before these routes (`http.app` of langgraph.json) and is handed in
 * as the `auth` binding or request variable. Takes its dependencies; creates no connections.
 *
 * @example
 * ```ts
 * const app = createApp({ redis, keys, breaker, log, singleUser: true });
 * const response = await app.request("/health");
 * ```
 */
export function createApp(dependencies: AppDependencies): Hono<AppEnv & { Bindings: AppBindings }> {
  const app = new Hono<AppEnv & { Bindings: AppBindings }>();
  app.use(async (context, next) => {
    const bound = (context.env as AppBindings | undefined)?.auth;
    if (bound && !context.get("auth")) context.set("auth", bound);
    await next();
  });
  app.route("/health", healthRoutes({ ...dependencies, ...(dependencies.events ? { live: () => liveStatus({ client: dependencies.redis, keys: dependencies.keys }) } : {}) }));
  const { memory, conversationsFor, store, redis: client, keys } = dependencies;
  const userOf = callerOf;
  app.route("/api/me", meRoutes({ userOf, singleUser: dependencies.singleUser }));
  app.route("/api/health", healthSeriesRoutes({ client, keys, userOf }));
  if (memory) app.route("/api/memory", memoryRoutes({ memory, userOf }));
  if (dependencies.events) app.route("/api/events", eventRoutes({ bus: dependencies.events, userOf, log: dependencies.log }));
  if (conversationsFor) {
    app.route("/api/chat", chatRoutes({ conversationsFor, log: dependencies.log }));
    app.route("/api/sessions", sessionRoutes({ conversationsFor, ...(dependencies.events ? { events: dependencies.events } : {}), userOf }));
  }
  if (dependencies.indexTtlSeconds !== undefined) {
    const { indexTtlSeconds, maxUploadBytes, events } = dependencies;
    app.route("/api/import", importRoutes({ client, keys, indexTtlSeconds, userOf, ...(maxUploadBytes === undefined ? {} : { maxUploadBytes }), ...(events ? { events } : {}) }));
  }
  if (store) app.route("/", createStoreRoutes({ storeFor: (context) => store.forOwner(userOf(context)) }));
  if (dependencies.webRoot !== false) app.route("/", webRoutes(dependencies.webRoot === undefined ? {} : { root: dependencies.webRoot }));
  app.notFound((context) =>
    context.json({ error: { code: "ERR_NOT_FOUND", message: `No route for ${context.req.method} ${context.req.path}` } }, 404),
  );
  app.onError((error, context) => errorResponse(error, context, dependencies.log));
  return app;
}
