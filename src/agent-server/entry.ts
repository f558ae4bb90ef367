import type { RunnableConfig } from "@langchain/core/runnables";
import { Hono } from "hono";
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
export const auth = lazyBearerTokenAuth(() => {
  const config = servedConfig();
  return { tokens: config.server.apiTokens, defaultUser: config.defaultUserId };
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
    indexTtlSeconds: config.memoryTtlSeconds,
    modelHealth: () => runtime.modelHealth(),
    ...(config.server.webRoot === undefined ? {} : { webRoot: config.server.webRoot }),
  }) as unknown as Hono<{ Bindings: AppBindings }>;
}

/**
 * The app's routes for the Agent Server (langgraph.json: `http.app`): the web page, /health and
 * /api/*, and /store on the Redis store. The server authenticates every request before these
 * routes run; its result is handed on as the `auth` binding.
 */
export const app = (() => {
  const outer = new Hono<{ Variables: { auth?: RequestAuth } }>();
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
