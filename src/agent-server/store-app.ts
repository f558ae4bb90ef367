import type { Context } from "hono";
import { Hono } from "hono";
import { servedRuntime } from "../runtime/served.js";
import type { RequestAuth } from "../server/auth.js";
import { createStoreRoutes } from "../server/routes/store.js";

/**
 * The owner of a request's store items: the identity the langgraph.json's auth handler gave the
 * caller, or, on a server without auth (where the official server keeps one store for everyone),
 * the configured default user, so every unauthenticated caller shares one store as there.
 */
function ownerOf(context: Context, fallback: string): string {
  const auth = (context as Context<{ Variables: { auth?: RequestAuth } }>).get("auth");
  return auth && auth.user.is_authenticated !== false && typeof auth.user.identity === "string" ? auth.user.identity : fallback;
}

/**
 * The HTTP app for a langgraph.json served with `wellness serve --config`: LangGraph's /store
 * API on the served runtime's Redis store (the official in-memory /store routes are disabled),
 * followed by that langgraph.json's own `http.app`, if it has one. The Agent Server copies these
 * routes into its own app, so a path neither answers falls through to the official API, and the
 * auth handler's result reaches the store routes as the request's `auth` variable. Nothing is
 * read from the runtime until the first request.
 *
 * @example
 * ```ts
 * // the generated module the server loads as http.app (see withRedisStoreApp)
 * import { redisStoreApp } from "file:///…/store-app.js";
 * import * as user from "file:///project/src/http.ts";
 * export const app = redisStoreApp(user["app"]);
 * ```
 */
export function redisStoreApp(userApp?: unknown): Hono {
  const app = new Hono();
  app.route(
    "/",
    createStoreRoutes({
      storeFor: async (context) => {
        const runtime = await servedRuntime();
        return runtime.store.forOwner(ownerOf(context, runtime.config.defaultUserId));
      },
    }),
  );
  if (userApp !== undefined) app.route("/", userApp as Hono);
  return app;
}
