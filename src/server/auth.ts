import { AsyncLocalStorage } from "node:async_hooks";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { UnauthorizedError } from "../errors.js";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Request variables the app sets: the authenticated user. */
export interface AppEnv {
  Variables: { userId: string };
}

export interface Authentication {
  /** Checks the bearer token of every request it guards (a no-op in single-user mode). */
  middleware: MiddlewareHandler<AppEnv>;
  /** The caller's user id, from the token, never from the request body. */
  userOf: (context: Context) => string;
  /** The caller of the request being served, for code that has no Context (graph nodes, tools). */
  currentUser: () => string | undefined;
  singleUser: boolean;
}

/**
 * Bearer-token authentication: each API token maps to one user id (API_TOKENS). With no tokens
 * configured the app serves one user (DEFAULT_USER_ID), and `wellness serve` then refuses any
 * address but loopback. Tokens are compared in constant time.
 *
 * @example
 * ```ts
 * const auth = authentication(config.server.apiTokens, config.defaultUserId);
 * app.use("/api/*", auth.middleware);
 * ```
 */
export function authentication(tokens: ReadonlyMap<string, string>, defaultUser: string): Authentication {
  const caller = new AsyncLocalStorage<string>();
  const currentUser = () => caller.getStore();
  if (tokens.size === 0) {
    return { middleware: (_context, next) => caller.run(defaultUser, next), userOf: () => defaultUser, currentUser, singleUser: true };
  }
  const known = [...tokens.entries()].map(([token, user]) => ({ hash: digest(token), user }));
  return {
    singleUser: false,
    currentUser,
    middleware: async (context, next) => {
      const header = context.req.header("authorization") ?? "";
      const match = /^Bearer\s+(\S+)$/iu.exec(header);
      if (!match) throw new UnauthorizedError();
      const presented = digest(match[1] ?? "");
      let user: string | undefined;
      for (const entry of known) if (timingSafeEqual(entry.hash, presented)) user = entry.user;
      if (!user) throw new UnauthorizedError("The API token is not valid.");
      context.set("userId", user);
      await caller.run(user, next);
    },
    userOf: (context) => {
      const user: unknown = (context as Context<AppEnv>).get("userId");
      if (typeof user !== "string") throw new UnauthorizedError();
      return user;
    },
  };
}
