import type { RunnableConfig } from "@langchain/core/runnables";
import type { Auth } from "@langchain/langgraph-sdk/auth";
import { Hono, type MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { createLogger } from "../logger.js";
import { AuthFailureLimiter, jsonBodyLimit, messageLimit, metadataLimit, originGuard, OutageLog, unavailableAs503 } from "../server/guards/index.js";
import { servedConfig, servedRuntime } from "../runtime/served.js";
import { createApp, type AppBindings } from "../server/app.js";
import type { RequestAuth } from "../server/auth.js";
import { lazyBearerTokenAuth } from "./auth.js";
import { loopbackConversations } from "./conversations.js";

/*
 * What the project's langgraph.json names: the two graphs, the auth handler and the app's routes
 * (`http.app`). The Agent Server loads them by module path, so each one reaches the process's
 * runtime (src/runtime/served.ts) on first use; importing this module does nothing else.
 */

/** The memory-aware agent (langgraph.json: "stateful"). */
export const stateful = async (_config?: RunnableConfig) => (await servedRuntime()).graphs.stateful;

/** The baseline without memory or history (langgraph.json: "stateless"). */
export const stateless = async (_config?: RunnableConfig) => (await servedRuntime()).graphs.stateless;

/** Bearer tokens of API_TOKENS (or the single user), stamping and filtering owners (langgraph.json: "auth"). */
export const auth: Auth = lazyBearerTokenAuth(() => {
  const config = servedConfig();
  let limiter: Promise<AuthFailureLimiter> | undefined;
  const failures = () => (limiter ??= servedRuntime().then((runtime) => new AuthFailureLimiter(runtime.redis, runtime.keys, config.authFailures)));
  return { tokens: config.server.apiTokens, defaultUser: config.defaultUserId, failures };
});

/** The paths the app's routes answer; everything else is the Agent Server's own API. */
export const APP_PATHS = ["/health", "/api/*", "/store/*", "/", "/index.html", "/assets/*", "/favicon.svg"] as const;

async function buildServedApp(): Promise<Hono<{ Bindings: AppBindings }>> {
  const runtime = await servedRuntime();
  const { config } = runtime;
  return createApp({
    redis: runtime.redis,
    keys: runtime.keys,
    breaker: runtime.breaker,
    log: runtime.log,
    singleUser: config.server.apiTokens.size === 0,
    memory: runtime.agent.memory,
    conversationsFor: (context) => loopbackConversations(context.req.raw.headers),
    store: runtime.store,
    events: runtime.events,
    indexTtlSeconds: config.memoryTtlSeconds,
    maxUploadBytes: config.limits.uploadBytes,
    modelHealth: () => runtime.modelHealth(),
    ...(config.server.webRoot === undefined ? {} : { webRoot: config.server.webRoot }),
  }) as unknown as Hono<{ Bindings: AppBindings }>;
}

/** Paths of the LangGraph API and the app that take JSON bodies (never /api/import: it takes the export). */
const JSON_PATHS = ["/api/chat/*", "/api/memory/*", "/threads/*", "/runs/*", "/assistants/*", "/store/*"];

/**
 * The guards in front of every route of the server (the official ones included: the app's
 * middleware is registered before them): in single-user mode the Host/Origin/content-type check
 * against other web pages; 503 with Retry-After during a Redis outage; the JSON body, metadata
 * and message limits. Each group is built from the served configuration on first use.
 */
function guards(): [string, MiddlewareHandler][] {
  const lazily = (build: () => MiddlewareHandler[]): MiddlewareHandler => {
    let built: MiddlewareHandler | undefined;
    return (context, next) => (built ??= every(...build()))(context, next);
  };
  const origin = lazily(() => {
    const config = servedConfig();
    return config.server.apiTokens.size === 0 ? [originGuard({ uploadPaths: ["/api/import"], trustedOrigins: config.server.corsOrigins })] : [];
  });
  const unavailable = lazily(() => {
    const config = servedConfig();
    const retryAfterSeconds = Math.max(1, Math.ceil(config.redis.breakerCooldownMs / 1000));
    return [unavailableAs503({ outage: new OutageLog(createLogger(config.logLevel)), retryAfterSeconds })];
  });
  const body = lazily(() => {
    const { limits } = servedConfig();
    return [jsonBodyLimit({ maxBytes: limits.jsonBodyBytes }), metadataLimit({ maxBytes: limits.metadataBytes }), messageLimit({ maxChars: limits.messageChars })];
  });
  return [
    ["*", origin],
    ...["/api/*", "/threads/*", "/runs/*", "/assistants/*", "/store/*"].map((path): [string, MiddlewareHandler] => [path, unavailable]),
    ...JSON_PATHS.map((path): [string, MiddlewareHandler] => [path, body]),
  ];
}

/**
 * The app's routes for the Agent Server (langgraph.json: `http.app`): the web page, /health and
 * /api/*, and /store on the Redis store. The server authenticates every request before these
 * routes run; its result is handed on as the `auth` binding.
 */
export const app = (() => {
  const outer = new Hono<{ Variables: { auth?: RequestAuth } }>();
  for (const [path, guard] of guards()) outer.use(path, guard);
  let built: Promise<Hono<{ Bindings: AppBindings }>> | undefined;
  for (const path of APP_PATHS) {
    outer.all(path, async (context) => {
      built ??= buildServedApp().catch((error: unknown) => {
        built = undefined;
        throw error;
      });
      const auth = context.get("auth");
      return (await built).fetch(context.req.raw, auth ? { auth } : {});
    });
  }
  return outer;
})();
